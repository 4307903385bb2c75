/*
** slt.h: the one internal header of mopitr_slt, the sqllogictest-style runner.
**
** The runner reads *.test files (format: README.md in this directory) and runs each
** record against named in-memory SQLite connections (with the mo_pitr extension
** loaded unless --no-ext) or, for `remote` records, directly against the MatrixOne
** server through libmariadb. It shares no code with ext/: a referee that runs the code
** it judges cannot catch its bugs.
**
** One section per .c file:
**   util.c    allocation that aborts on OOM, growable strings and string vectors
**   parse.c   the record reader: directives, SQL, expected block, ${VAR}, line numbers
**   result.c  rendering values by column type (T/I/R), sorting, comparing
**   sqlite.c  named SQLite connections, statements and queries, result code names
**   remote.c  named libmariadb connections, statements and queries
**   log.c     `log mark` / `log count` over the mosim statement log
**   run.c     running one file: dispatch, counting, failure reports
**   main.c    options, the file loop, the timeout, the summary line
**
** Ownership: every char* in these structs is malloc'd and owned by the struct that holds
** it; the *_clear / *_free functions release it and accept zeroed or NULL objects.
*/
#ifndef SLT_H
#define SLT_H

#include <stdbool.h>
#include <stddef.h>

/* ---- util.c ------------------------------------------------------------- */

void *slt_xmalloc(size_t n);
void *slt_xrealloc(void *p, size_t n);
char *slt_xstrdup(const char *s);
char *slt_xstrndup(const char *s, size_t n);
char *slt_xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable NUL-terminated string. Zero-initialise before use. */
typedef struct slt_buf {
    char *s;
    size_t len, cap;
} slt_buf;

void slt_buf_add(slt_buf *b, const char *s, size_t n);
void slt_buf_adds(slt_buf *b, const char *s);
void slt_buf_printf(slt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *slt_buf_take(slt_buf *b);
void slt_buf_free(slt_buf *b);

/* A growable vector of owned strings. Zero-initialise before use. */
typedef struct slt_strv {
    char **v;
    size_t n, cap;
} slt_strv;

void slt_strv_push(slt_strv *sv, char *owned);
void slt_strv_free(slt_strv *sv);
void slt_strv_sort(slt_strv *sv);
bool slt_strv_has(const slt_strv *sv, const char *s);
bool slt_is_blank(const char *s);
void slt_rtrim(char *s);

/* ---- parse.c ------------------------------------------------------------ */

enum slt_kind {
    SLT_NONE = 0,
    SLT_STATEMENT_OK,
    SLT_STATEMENT_ERROR,
    SLT_QUERY,
    SLT_REMOTE_STATEMENT_OK,
    SLT_REMOTE_STATEMENT_ERROR,
    SLT_REMOTE_QUERY,
    SLT_CONNECTION,
    SLT_REMOTE_CONNECTION,
    SLT_HALT,
    SLT_SLEEP,
    SLT_LOG_MARK,
    SLT_LOG_COUNT,
    SLT_LOG_ROWS,
    SLT_SYSTEM,
};

enum slt_sort { SLT_NOSORT = 0, SLT_ROWSORT, SLT_VALUESORT };

/* One record of a test file, after ${VAR} substitution. */
typedef struct slt_record {
    int line;           /* line of the directive */
    enum slt_kind kind; /* SLT_NONE when the directive itself could not be read */
    char *head;         /* the directive line (for --verbose and reports) */
    slt_strv skipif;    /* labels of `skipif` lines before the record */
    slt_strv onlyif;    /* labels of `onlyif` lines before the record */
    char *name;         /* connection name */
    char *user;         /* remote connection user=, NULL when not given */
    char *password;     /* remote connection password=, NULL when not given */
    char *errcode;      /* statement error [SQLITE_XXX] name, NULL when not given */
    char *substr;       /* error / log substring; "" matches anything */
    char *types;        /* query column types, e.g. "ITR" */
    enum slt_sort sort; /* query sort mode */
    char *label;        /* query label, NULL when none */
    long number;        /* sleep milliseconds, log count / log rows N */
    char *sql;          /* SQL lines joined by '\n'; the shell command of `system` */
    slt_strv expected;  /* query expected lines, trailing blanks removed */
    char *error;        /* why the record is malformed, NULL when it is fine */
    int error_line;     /* the line the error is about */
} slt_record;

/* A test file held in memory, read line by line. */
typedef struct slt_reader {
    char *text;
    size_t len, pos;
    int line;
} slt_reader;

int slt_reader_open(slt_reader *r, const char *path, char **err);
void slt_reader_close(slt_reader *r);
bool slt_next_record(slt_reader *r, slt_record *rec);
void slt_record_clear(slt_record *rec);
bool slt_kind_counted(enum slt_kind k);
char *slt_subst(const char *in, char **err);

/* ---- result.c ----------------------------------------------------------- */

/* How a value arrived: SQLite storage classes, or text from the MySQL text protocol. */
enum slt_vkind { SLT_V_NULL, SLT_V_INT, SLT_V_REAL, SLT_V_TEXT, SLT_V_WIRE };

/* A result: cells rendered as text, row-major, ncols per row. */
typedef struct slt_result {
    size_t ncols; /* set by the producer before adding values */
    slt_strv cells;
    char *type_error; /* the first type mistake ("row R column C: ..."), NULL if none */
} slt_result;

void slt_result_add(slt_result *res, char type, enum slt_vkind kind, long long i, double d,
                    const char *s, size_t n);
void slt_result_free(slt_result *res);
void slt_result_lines(const slt_result *res, enum slt_sort sort, slt_strv *out);
bool slt_lines_equal(const slt_strv *expected, const slt_strv *actual, enum slt_sort sort);
char *slt_lines_join(const slt_strv *lines);

/* ---- sqlite.c ----------------------------------------------------------- */

typedef struct slt_sqlite slt_sqlite;

/* Outcome of a SQLite operation: done, the SQL failed, or the connection is unusable. */
enum { SLT_OK = 0, SLT_FAILED = 1, SLT_FATAL = 2 };

slt_sqlite *slt_sqlite_new(const char *ext);
int slt_sqlite_use(slt_sqlite *s, const char *name, char **err);
int slt_sqlite_exec(slt_sqlite *s, const char *sql, char **err, int *code);
int slt_sqlite_query(slt_sqlite *s, const char *sql, const char *types, slt_result *res,
                     char **err);
int slt_sqlite_free(slt_sqlite *s, char **err);
const char *slt_sqlite_code_name(int primary);
bool slt_sqlite_code_known(const char *name);

/* ---- remote.c ----------------------------------------------------------- */

typedef struct slt_remote slt_remote;

slt_remote *slt_remote_new(void);
int slt_remote_use(slt_remote *r, const char *name, const char *user, const char *password,
                   char **err);
int slt_remote_exec(slt_remote *r, const char *sql, char **err);
int slt_remote_query(slt_remote *r, const char *sql, const char *types, slt_result *res,
                     char **err);
const unsigned long *slt_remote_ids(const slt_remote *r, size_t *n);
void slt_remote_reset(slt_remote *r);
void slt_remote_free(slt_remote *r);

/* ---- log.c -------------------------------------------------------------- */

int slt_log_mark(const char *path, long *mark, char **err);
int slt_log_count(const char *path, long mark, const char *substr, const unsigned long *ids,
                  size_t nids, long *count, long *rows, slt_strv *lines, char **err);
char *slt_log_unescape(const char *s, size_t n);

/* ---- run.c -------------------------------------------------------------- */

typedef struct slt_opts {
    const char *ext; /* extension path, NULL with --no-ext */
    slt_strv labels; /* --label and MOPITR_LABELS */
    bool verbose;
    unsigned timeout; /* seconds per file, 0 = none */
    bool server;      /* --server: a real server, no mosim (see slt_server_skip) */
} slt_opts;

/* In --server mode, why rec cannot run without mosim (its statement log, a `MOSIM ...`
** control statement, a command that restarts or signals mosim); NULL when it can. */
const char *slt_server_skip(const slt_opts *o, const slt_record *rec);

typedef struct slt_counts {
    long passed, failed, skipped;
} slt_counts;

int slt_run_file(const slt_opts *o, const char *path, slt_counts *c);

/* ---- main.c ------------------------------------------------------------- */

void slt_where_set(const char *path, int line, const slt_counts *c);
/* Parse a --server DSN `[mysql://][user[:password]@]host[:port][/...]` and export it as
** MO_HOST, MO_PORT (default 6001), MO_USER and MO_PASSWORD (each only when given), and
** MO_DSN `mysql://user@host:port` (no password, as test/run-suite.sh has it). Returns
** 0, or -1 with *err (caller frees; it never contains the password). */
int slt_server_env(const char *dsn, char **err);

#endif /* SLT_H */
