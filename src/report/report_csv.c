/* The CSV outputs, for programs (Excel, R, pandas): UTF-8 without BOM, commas,
 * RFC 4180 quoting, "\n" line ends, "." decimals, empty fields for NULL. */
#include <math.h>
#include <string.h>

#include "covermap/funding.h"
#include "covermap/store.h"
#include "report/report_internal.h"

/* A field is quoted only when it must be: it holds a comma, a quote or a line
 * break. Quotes inside are doubled. NULL is an empty field. */
static void csv_field(FILE *fp, const char *text)
{
    if (!text)
        return;
    if (!strpbrk(text, ",\"\r\n")) {
        fputs(text, fp);
        return;
    }
    fputc('"', fp);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', fp);
        fputc(*p, fp);
    }
    fputc('"', fp);
}

static void csv_integer(FILE *fp, bool has, long long value)
{
    if (has)
        fprintf(fp, "%lld", value);
}

/* Full precision (15 significant digits, trailing zeros dropped: 12.5, 40,
 * 33.3333333333333): the CSV is for programs, which round as they need; the
 * human reports carry the rounded figures. */
static void csv_decimal(FILE *fp, bool has, double value)
{
    if (!has)
        return;
    char buf[64];
    snprintf(buf, sizeof buf, "%.15f", value);
    /* 15 significant digits, not 15 decimals, for large values. */
    if (fabs(value) >= 1)
        snprintf(buf, sizeof buf, "%.*f", 15 - 1 - (int)floor(log10(fabs(value))), value);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    fputs(strcmp(buf, "-0") == 0 ? "0" : buf, fp);
}

static void write_gap_row(FILE *fp, const cm_report_territory *t)
{
    csv_field(fp, t->key);
    fputc(',', fp);
    csv_field(fp, t->name);
    fputc(',', fp);
    csv_field(fp, cm_risk_level_name(t->risk));
    fputc(',', fp);
    csv_integer(fp, t->has_months_funded, t->months_funded);
    fputc(',', fp);
    csv_integer(fp, t->has_shortfall, t->has_shortfall ? llround(t->shortfall) : 0);
    fputc(',', fp);
    csv_decimal(fp, t->has_families_reached, t->families_reached);
    fputc(',', fp);
    csv_decimal(fp, t->has_coverage_rate, t->coverage_rate);
    fputc(',', fp);
    csv_integer(fp, t->has_partners, t->partners);
    fputc(',', fp);
    csv_integer(fp, t->has_sectors, t->sectors);
    fputc(',', fp);
    csv_field(fp, t->risk_reasons);
    fputc('\n', fp);
}

cm_status cm_report_write_gap_csv(const cm_report *r, const char *path, cm_error *err)
{
    report_outfile out;
    cm_status st = report_outfile_open(&out, path, err);
    if (st != CM_OK)
        return st;
    fputs("key,name,risk_level,months_funded,shortfall,families_reached,coverage_rate,"
          "partners,sectors,risk_reasons\n",
          out.fp);
    for (size_t i = 0; i < r->territory_count; i++)
        write_gap_row(out.fp, &r->territories[i]);
    return report_outfile_commit(&out, err);
}

static void write_join_row(FILE *fp, const cm_report_join_row *row)
{
    csv_field(fp, row->table_name);
    fputc(',', fp);
    csv_field(fp, row->source_key);
    fputc(',', fp);
    csv_field(fp, row->status);
    fputc(',', fp);
    csv_field(fp, row->territory_key);
    fputc(',', fp);
    csv_field(fp, row->note);
    fputc('\n', fp);
}

static const char join_csv_header[] = "table,source_key,status,territory_key,note\n";

cm_status cm_report_write_join_csv(const cm_report *r, const char *path, cm_error *err)
{
    report_outfile out;
    cm_status st = report_outfile_open(&out, path, err);
    if (st != CM_OK)
        return st;
    fputs(join_csv_header, out.fp);
    for (size_t i = 0; i < r->join_row_count; i++)
        write_join_row(out.fp, &r->join_rows[i]);
    return report_outfile_commit(&out, err);
}

static cm_status stream_join_row(const cm_report_join_row *row, void *context, cm_error *err)
{
    (void)err;
    write_join_row(context, row);
    return CM_OK;
}

cm_status cm_report_write_join_csv_from_store(const char *db_path, const char *path,
                                              cm_error *err)
{
    cm_store *store = NULL;
    cm_status st = cm_store_open_reader(db_path, &store, err); /* plain SQL only */
    if (st != CM_OK)
        return st;
    report_outfile out;
    st = report_outfile_open(&out, path, err);
    if (st == CM_OK) {
        fputs(join_csv_header, out.fp);
        st = report_each_join_row(cm_store_db(store), db_path, stream_join_row, out.fp, err);
        if (st == CM_OK)
            st = report_outfile_commit(&out, err);
        else
            report_outfile_abort(&out);
    }
    cm_store_close(store);
    return st;
}
