/* Whether this build runs under AddressSanitizer, whose leak check needs memory
 * to come from malloc and the program to end through exit(). */
#ifndef COVERMAP_CORE_SANITIZERS_H
#define COVERMAP_CORE_SANITIZERS_H

#if defined(__SANITIZE_ADDRESS__)
#define COVERMAP_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COVERMAP_ADDRESS_SANITIZER 1
#endif
#endif
#ifndef COVERMAP_ADDRESS_SANITIZER
#define COVERMAP_ADDRESS_SANITIZER 0
#endif

#endif
