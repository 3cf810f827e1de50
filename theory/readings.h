/* theory/readings.h — how each course statement is read: the slide's wording and the
 * reading trbench checks (constants, ε, which KL order, max or average), and, where a
 * verdict follows from proven results, the argument. */
#ifndef THY_READINGS_H
#define THY_READINGS_H

typedef struct {
  const char *id;
  const char *wording; /* the slide, as stated (REFERENCES.md § 2) */
  const char *reading; /* what is checked */
  const char *implied; /* NULL, or why the statement holds without any search */
} thy_reading;

/* The reading of a claim, or NULL (claims that are not course statements). */
const thy_reading *thy_reading_find(const char *id);

#endif
