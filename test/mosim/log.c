/*
** log.c: mosim's statement log (--log FILE).
**
** One line per statement or command, flushed per line, TAB-separated:
**   <UTC time 2026-11-25T15:04:05.123Z> <conn id> <account> <outcome> <statement>
** The account is "-" before login. The statement is escaped: \ -> \\, TAB -> \t,
** LF -> \n, CR -> \r. Lines are written whole under one process-wide mutex, so lines of
** concurrent connections never interleave. Without --log every call is a no-op.
*/
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wire.h"

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_fp;

/* Open path for appending. Returns 0, or -1 when it cannot be opened. */
int wire_log_open(const char *path)
{
    if (!path)
        return 0;
    log_fp = fopen(path, "a");
    return log_fp ? 0 : -1;
}

/* Close the log (no-op when logging is off). */
void wire_log_close(void)
{
    pthread_mutex_lock(&log_mu);
    if (log_fp)
        fclose(log_fp);
    log_fp = NULL;
    pthread_mutex_unlock(&log_mu);
}

/* Write text[0..len) to fp with the log's escapes. */
static void put_escaped(FILE *fp, const char *text, size_t len)
{
    size_t i, start = 0;
    for (i = 0; i < len; i++) {
        const char *esc = NULL;
        switch (text[i]) {
        case '\\':
            esc = "\\\\";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            break;
        }
        if (esc) {
            fwrite(text + start, 1, i - start, fp);
            fputs(esc, fp);
            start = i + 1;
        }
    }
    fwrite(text + start, 1, len - start, fp);
}

/* Append one line (see the file comment) and flush it. */
void wire_log(uint32_t conn_id, const char *account, const char *outcome, const char *text,
              size_t len)
{
    struct timespec ts;
    struct tm tm;
    char when[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&log_mu);
    if (log_fp) {
        fprintf(log_fp, "%s.%03ldZ\t%u\t%s\t%s\t", when, ts.tv_nsec / 1000000L, conn_id,
                account && *account ? account : "-", outcome);
        put_escaped(log_fp, text ? text : "", text ? len : 0);
        fputc('\n', log_fp);
        fflush(log_fp);
    }
    pthread_mutex_unlock(&log_mu);
}
