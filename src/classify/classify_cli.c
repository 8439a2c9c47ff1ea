/* `covermap classify`: class upper bounds of a column of numbers, for analysts
 * (and tests) who want covermap's breaks without drawing a map. */
#include "covermap/classify.h"
#include "covermap/cli.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { EXIT_DATA = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: covermap classify [-m METHOD] [-k K] [-b BREAKS] [--counts] [FILE|-]\n"
    "\n"
    "Reads one number a line from FILE (or standard input) and prints the upper\n"
    "bound of each class, one a line, lowest first.\n"
    "\n"
    "  -m, --method METHOD  quantile, equal-interval, fisher-jenks (default),\n"
    "                       stddev or manual\n"
    "  -k, --classes K      number of classes, 1 to 100 (default 5); fewer when\n"
    "                       there are fewer distinct values\n"
    "  -b, --breaks LIST    manual upper bounds, comma-separated and increasing\n"
    "                       (implies -m manual); the maximum is added above them\n"
    "  -c, --counts         print \"bound<TAB>count\", and \"NA<TAB>count\" for no data\n"
    "  -h, --help           show this help\n"
    "\n"
    "Blank lines are skipped; NA, N/A, NaN and \"\" mean no data and are left out.\n"
    "Numbers use '.' as the decimal separator. Exit status: 0 success, 1 bad\n"
    "data or unreadable file, 2 bad usage.\n";

typedef struct {
    cm_class_method method;
    bool method_given;
    long classes;
    double *breaks;
    size_t break_count;
    bool breaks_given;
    bool counts;
    bool help;
    const char *path; /* NULL or "-": standard input */
} classify_options;

static int usage_error(const char *fmt, const char *detail)
{
    fputs("covermap classify: ", stderr);
    fprintf(stderr, fmt, detail);
    fputs(" (see covermap classify --help)\n", stderr);
    return EXIT_USAGE;
}

/* A plain decimal number ('.' separator, optional exponent), whatever the
 * locale; no hex, inf or nan. */
static bool parse_number(const char *text, double *out)
{
    if (!*text || strspn(text, "0123456789+-.eE") != strlen(text))
        return false;
    char *end = NULL;
    errno = 0;
    double value = g_ascii_strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(value))
        return false;
    *out = value;
    return true;
}

static int parse_breaks(const char *text, classify_options *opt)
{
    char *copy = strdup(text);
    if (!copy)
        return usage_error("%s", "out of memory");
    size_t room = 1;
    for (const char *p = text; *p; p++)
        room += *p == ',';
    free(opt->breaks);
    opt->breaks = malloc(room * sizeof *opt->breaks);
    opt->break_count = 0;
    int status = opt->breaks ? 0 : usage_error("%s", "out of memory");
    char *save = NULL;
    for (char *tok = strtok_r(copy, ", \t", &save); tok && status == 0;
         tok = strtok_r(NULL, ", \t", &save)) {
        if (!parse_number(tok, &opt->breaks[opt->break_count++]))
            status = usage_error("-b: '%s' is not a number", tok);
    }
    if (status == 0 && opt->break_count == 0)
        status = usage_error("-b: no break in '%s'", text);
    opt->breaks_given = true;
    free(copy);
    return status;
}

static int apply_option(char letter, const char *value, classify_options *opt)
{
    switch (letter) {
    case 'm':
        if (!cm_class_method_parse(value, &opt->method))
            return usage_error("unknown method '%s'", value);
        if (opt->method == CM_CLASS_CATEGORICAL)
            return usage_error("method '%s' does not classify numbers", value);
        opt->method_given = true;
        return 0;
    case 'k': {
        char *end = NULL;
        errno = 0;
        long k = strtol(value, &end, 10);
        if (end == value || *end != '\0' || errno != 0 || k < 1 || k > CM_CLASSES_MAX)
            return usage_error("-k: expected a number of classes from 1 to 100, got '%s'", value);
        opt->classes = k;
        return 0;
    }
    case 'b': return parse_breaks(value, opt);
    }
    return usage_error("unknown option '-%s'", (char[]){letter, '\0'});
}

static char long_to_letter(const char *name, size_t len)
{
    static const struct {
        const char *name;
        char letter;
    } longs[] = {
        {"method", 'm'}, {"classes", 'k'}, {"breaks", 'b'}, {"counts", 'c'}, {"help", 'h'}};
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++)
        if (strlen(longs[i].name) == len && strncmp(longs[i].name, name, len) == 0)
            return longs[i].letter;
    return '\0';
}

/* Handles argv[*i] (an option); may consume the next argument as its value. */
static int parse_option(int argc, char **argv, int *i, classify_options *opt)
{
    const char *arg = argv[*i];
    char letter;
    const char *value = NULL;
    if (arg[1] == '-') {
        const char *eq = strchr(arg + 2, '=');
        size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        letter = long_to_letter(arg + 2, len);
        if (!letter)
            return usage_error("unknown option '%s'", arg);
        if (eq)
            value = eq + 1;
    } else {
        letter = arg[1];
        if (arg[2])
            value = arg + 2;
    }
    if (letter == 'h' || letter == 'c') {
        if (value)
            return usage_error("option '%s' takes no value", arg);
        if (letter == 'h')
            opt->help = true;
        else
            opt->counts = true;
        return 0;
    }
    if (!strchr("mkb", letter))
        return usage_error("unknown option '%s'", arg);
    if (!value) {
        if (*i + 1 >= argc)
            return usage_error("option '%s' needs a value", arg);
        value = argv[++*i];
    }
    return apply_option(letter, value, opt);
}

static int parse_arguments(int argc, char **argv, classify_options *opt)
{
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int status = 0;
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            status = parse_option(argc, argv, &i, opt);
        } else if (opt->path) {
            status = usage_error("more than one input file ('%s')", arg);
        } else {
            opt->path = arg;
        }
        if (status != 0)
            return status;
    }
    if (opt->help)
        return 0;
    if (opt->breaks_given && !opt->method_given)
        opt->method = CM_CLASS_MANUAL;
    if (opt->breaks_given && opt->method != CM_CLASS_MANUAL)
        return usage_error("-b gives manual breaks; it does not go with -m %s",
                           cm_class_method_name(opt->method));
    if (opt->method == CM_CLASS_MANUAL && !opt->breaks_given)
        return usage_error("%s", "-m manual needs -b BREAKS");
    for (size_t i = 1; i < opt->break_count; i++)
        if (!(opt->breaks[i] > opt->breaks[i - 1]))
            return usage_error("%s", "-b: the breaks must increase");
    if (opt->break_count >= CM_CLASSES_MAX)
        return usage_error("%s", "-b: too many breaks (at most 99)");
    return 0;
}

/* ---- reading the numbers ---- */

typedef struct {
    double *values;
    size_t count;
    size_t room;
} value_list;

static bool push_value(value_list *list, double value)
{
    if (list->count == list->room) {
        size_t room = list->room ? list->room * 2 : 256;
        double *grown = realloc(list->values, room * sizeof *grown);
        if (!grown)
            return false;
        list->values = grown;
        list->room = room;
    }
    list->values[list->count++] = value;
    return true;
}

static char *trim(char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    size_t len = strlen(text);
    while (len > 0 && strchr(" \t\r\n", text[len - 1]))
        text[--len] = '\0';
    return text;
}

static bool is_no_data(const char *text)
{
    return strcasecmp(text, "NA") == 0 || strcasecmp(text, "N/A") == 0 ||
           strcasecmp(text, "NaN") == 0 || strcmp(text, "\"\"") == 0;
}

static cm_status read_values(FILE *in, const char *name, value_list *list, cm_error *err)
{
    char *line = NULL;
    size_t size = 0;
    long number = 0;
    cm_status status = CM_OK;
    while (status == CM_OK && getline(&line, &size, in) != -1) {
        number++;
        char *text = line;
        if (number == 1 && strncmp(text, "\xEF\xBB\xBF", 3) == 0)
            text += 3; /* a UTF-8 byte order mark, as Excel writes */
        text = trim(text);
        double value = NAN;
        if (*text == '\0')
            continue;
        if (!is_no_data(text) && !parse_number(text, &value)) {
            status = cm_error_set(err, CM_ERR_INPUT, "\"%.60s\" is not a number", text);
            cm_error_at(err, name, number, NULL);
            cm_error_set_hint(err, "one number a line with '.' as the decimal separator; "
                                   "NA or \"\" for no data");
        } else if (!push_value(list, value)) {
            status = cm_error_set(err, CM_ERR_NOMEM, "out of memory after %zu values", list->count);
        }
    }
    if (status == CM_OK && ferror(in)) {
        status = cm_error_set(err, CM_ERR_IO, "read failed: %s", strerror(errno));
        cm_error_at(err, name, 0, NULL);
    }
    free(line);
    return status;
}

static cm_status load_values(const char *path, value_list *list, cm_error *err)
{
    if (!path || strcmp(path, "-") == 0)
        return read_values(stdin, "<stdin>", list, err);
    FILE *in = fopen(path, "r");
    if (!in) {
        cm_error_set(err, CM_ERR_IO, "cannot open: %s", strerror(errno));
        return cm_error_at(err, path, 0, NULL);
    }
    cm_status status = read_values(in, path, list, err);
    fclose(in);
    return status;
}

/* ---- printing ---- */

/* The shortest text that reads back as exactly value, in the C locale; whole
 * numbers below 1e17 without an exponent ("100", not "1e+02"). */
static void format_shortest(double value, char *buf, size_t size)
{
    if (value == 0.0)
        value = 0.0; /* no "-0" */
    int digits = 1;
    char format[8];
    for (; digits < 17; digits++) {
        snprintf(format, sizeof format, "%%.%dg", digits);
        g_ascii_formatd(buf, (gint)size, format, value);
        if (g_ascii_strtod(buf, NULL) == value)
            break;
    }
    int exponent = value == 0.0 ? 0 : (int)floor(log10(fabs(value)));
    if (exponent >= digits && exponent < 17)
        digits = exponent + 1;
    snprintf(format, sizeof format, "%%.%dg", digits);
    g_ascii_formatd(buf, (gint)size, format, value);
}

static int print_classes(const cm_classes *classes, bool counts)
{
    char number[G_ASCII_DTOSTR_BUF_SIZE];
    for (size_t i = 0; i < classes->class_count; i++) {
        format_shortest(classes->upper[i], number, sizeof number);
        if (counts)
            printf("%s\t%zu\n", number, classes->counts[i]);
        else
            printf("%s\n", number);
    }
    if (counts && classes->null_count > 0)
        printf("NA\t%zu\n", classes->null_count);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "covermap: cannot write the classes: %s\n", strerror(errno));
        return EXIT_DATA;
    }
    return 0;
}

static int report_error(const cm_error *err)
{
    char text[2048];
    cm_error_format(err, text, sizeof text);
    fprintf(stderr, "covermap: %s\n", text);
    return err->status == CM_ERR_USAGE ? EXIT_USAGE : EXIT_DATA;
}

int cm_cli_classify(int argc, char **argv)
{
    classify_options opt = {.method = CM_CLASS_FISHER_JENKS, .classes = 5};
    int exit_status = parse_arguments(argc, argv, &opt);
    if (exit_status != 0 || opt.help) {
        if (opt.help && exit_status == 0)
            fputs(usage_text, stdout);
        free(opt.breaks);
        return exit_status;
    }
    cm_error err;
    cm_error_clear(&err);
    value_list list = {0};
    cm_classes classes = {0};
    cm_status status = load_values(opt.path, &list, &err);
    if (status == CM_OK)
        status = cm_classify(list.values, list.count, opt.method, (size_t)opt.classes, opt.breaks,
                             opt.break_count, &classes, &err);
    if (status == CM_OK)
        exit_status = print_classes(&classes, opt.counts);
    else
        exit_status = report_error(&err);
    cm_classes_free(&classes);
    free(list.values);
    free(opt.breaks);
    return exit_status;
}
