/*
** window.c: time arithmetic of recovery windows (pure).
**
** Every time here is UTC: seconds since the epoch (sqlite3_int64) and, where the
** server gives more, nanoseconds (0..999999999). Dates are proleptic Gregorian, years
** 0000..9999 for text.
**
** Usage:
**     sqlite3_int64 s; int ns;
**     mopitr_time_parse("2026-11-27 10:00:00.25", -1, &s, &ns);   -> 1, s, ns = 250000000
**     mopitr_time_format(s, aBuf);                                  -> "2026-11-27 10:00:00"
**     mopitr_time_add_date(s, 0, -1, 0);                            -> Go's t.AddDate(0,-1,0)
**     mopitr_range_start(now, 0, 3, "mo", &start, &startNs);        -> now - 3 calendar months
**     mopitr_earliest_restorable(created, now, nowNs, 7, "d", &e);  -> first restorable second
**
** How MatrixOne computes a PITR's window (spec 8.4): a RESTORE time T (nanoseconds) is
** accepted when T > create_time, T >= now - range and T <= now. now - range is Go's
** time.Now().UTC() minus the range: h = hours, d = AddDate(0,0,-n), mo = AddDate(0,-n,0),
** y = AddDate(-n,0,0). AddDate normalises like Go's time.Date: the month is carried into
** the year, then the day-of-month may overflow into the next month, so Mar 31 - 1 month
** is "Feb 31" = Mar 3 (Mar 2 in a leap year) and Feb 29 2024 - 1 year is Mar 1 2023.
** The clock time of day is kept (UTC has no DST).
**
** SHOW PITR gives create_time only to the second (FLOOR), so the earliest time certain
** to be accepted for the creation bound is created + 1 s; for the range bound it is
** now - range rounded up to the second. mopitr_earliest_restorable() is the later of the
** two: the first whole second a RESTORE is accepted for at time now.
*/
#include "mo_pitr_int.h"

#include <string.h>
#include <time.h>

#define WINDOW_SECS_PER_DAY 86400

/* Days since 1970-01-01 of the civil date y-m-d (m 1..12, any d: it is just added).
** Howard Hinnant's days_from_civil, valid for any year. */
static sqlite3_int64 window_days_from_civil(sqlite3_int64 y, int m, sqlite3_int64 d)
{
    sqlite3_int64 era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 + (d - 1);
}

/* The civil date of day z (days since 1970-01-01). */
static void window_civil_from_days(sqlite3_int64 z, sqlite3_int64 *py, int *pm, int *pd)
{
    sqlite3_int64 era, doe, yoe, doy, mp, y;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *pd = (int)(doy - (153 * mp + 2) / 5 + 1);
    *pm = (int)(mp < 10 ? mp + 3 : mp - 9);
    *py = y + (*pm <= 2);
}

/* Floor division and the matching remainder (b > 0). */
static sqlite3_int64 window_floordiv(sqlite3_int64 a, sqlite3_int64 b, sqlite3_int64 *pRem)
{
    sqlite3_int64 q = a / b, r = a % b;
    if (r < 0) {
        r += b;
        q--;
    }
    if (pRem)
        *pRem = r;
    return q;
}

/* Is y a leap year? */
static int window_is_leap(sqlite3_int64 y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m of year y. */
static int window_month_days(sqlite3_int64 y, int m)
{
    static const unsigned char aDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && window_is_leap(y) ? 29 : aDays[m - 1];
}

/* Read exactly n digits at z into *pv; 0 when one is not a digit. */
static int window_digits(const char *z, int n, int *pv)
{
    int i, v = 0;
    for (i = 0; i < n; i++) {
        if (z[i] < '0' || z[i] > '9')
            return 0;
        v = v * 10 + (z[i] - '0');
    }
    *pv = v;
    return 1;
}

/*
** Parse z[0..n) (n < 0: strlen) as "YYYY-MM-DD HH:MM:SS" with an optional fraction
** ".d" of 1 to 9 digits, nothing before or after. Fields are range-checked (month 1..12,
** day within the month, hour < 24, minute and second < 60). Returns 1 with *pSec and
** *pNsec (may be NULL) set, or 0.
*/
int mopitr_time_parse(const char *z, int n, sqlite3_int64 *pSec, int *pNsec)
{
    int y, mo, d, h, mi, s, i, nsec = 0, nDigit;
    if (z == NULL)
        return 0;
    if (n < 0)
        n = (int)strlen(z);
    if (n < 19 || z[4] != '-' || z[7] != '-' || z[10] != ' ' || z[13] != ':' || z[16] != ':')
        return 0;
    if (!window_digits(z, 4, &y) || !window_digits(z + 5, 2, &mo) || !window_digits(z + 8, 2, &d) ||
        !window_digits(z + 11, 2, &h) || !window_digits(z + 14, 2, &mi) ||
        !window_digits(z + 17, 2, &s))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > window_month_days(y, mo) || h > 23 || mi > 59 || s > 59)
        return 0;
    if (n > 19) {
        nDigit = n - 20;
        if (z[19] != '.' || nDigit < 1 || nDigit > 9)
            return 0;
        for (i = 0; i < 9; i++) {
            int c = i < nDigit ? z[20 + i] : '0';
            if (c < '0' || c > '9')
                return 0;
            nsec = nsec * 10 + (c - '0');
        }
    }
    *pSec = window_days_from_civil(y, mo, d) * WINDOW_SECS_PER_DAY + h * 3600 + mi * 60 + s;
    if (pNsec)
        *pNsec = nsec;
    return 1;
}

/* Write v (0 <= v < 10^n) as exactly n decimal digits at z. */
static void window_put(char *z, int v, int n)
{
    while (n-- > 0) {
        z[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Format sec as "YYYY-MM-DD HH:MM:SS" (UTC) into aBuf (MOPITR_TIME_SIZE bytes). Returns 1,
** or 0 (aBuf "") when the year is outside 0000..9999. */
int mopitr_time_format(sqlite3_int64 sec, char *aBuf)
{
    sqlite3_int64 y, rem;
    sqlite3_int64 days = window_floordiv(sec, WINDOW_SECS_PER_DAY, &rem);
    int m, d;
    window_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        aBuf[0] = 0;
        return 0;
    }
    /* By hand, not sqlite3_snprintf: this runs for every row of a mo_pitr scan. */
    window_put(aBuf, (int)y, 4);
    aBuf[4] = '-';
    window_put(aBuf + 5, m, 2);
    aBuf[7] = '-';
    window_put(aBuf + 8, d, 2);
    aBuf[10] = ' ';
    window_put(aBuf + 11, (int)(rem / 3600), 2);
    aBuf[13] = ':';
    window_put(aBuf + 14, (int)(rem / 60 % 60), 2);
    aBuf[16] = ':';
    window_put(aBuf + 17, (int)(rem % 60), 2);
    aBuf[19] = 0;
    return 1;
}

/* The same with the fraction nsec (0..999999999) appended as ".d..." without trailing
** zeros (none when nsec is 0), into aBuf (MOPITR_TIME_SIZE bytes). */
int mopitr_time_format_ns(sqlite3_int64 sec, int nsec, char *aBuf)
{
    int n;
    if (!mopitr_time_format(sec, aBuf))
        return 0;
    if (nsec <= 0 || nsec > 999999999)
        return 1;
    sqlite3_snprintf(MOPITR_TIME_SIZE - 19, aBuf + 19, ".%09d", nsec);
    n = (int)strlen(aBuf);
    while (aBuf[n - 1] == '0')
        aBuf[--n] = 0;
    return 1;
}

/* Go's t.AddDate(years, months, days) for the UTC instant sec (whole seconds; a
** fraction is unaffected). See the file comment for the normalisation. */
sqlite3_int64 mopitr_time_add_date(sqlite3_int64 sec, int years, int months, int days)
{
    sqlite3_int64 y, rem, m0;
    sqlite3_int64 day = window_floordiv(sec, WINDOW_SECS_PER_DAY, &rem);
    int m, d;
    window_civil_from_days(day, &y, &m, &d);
    /* Go's Date(): month carried into the year, then days counted from the 1st. */
    m0 = (sqlite3_int64)(m - 1) + months;
    y += years + window_floordiv(m0, 12, &m0);
    return window_days_from_civil(y, (int)m0 + 1, 1) * WINDOW_SECS_PER_DAY +
           ((sqlite3_int64)d - 1 + days) * WINDOW_SECS_PER_DAY + rem;
}

/*
** now - range, as MatrixOne computes it (spec 8.4): *pSec and *pNsec = (nowSec, nowNsec)
** minus v units (h, d, mo, y; lower case). SQLITE_OK, or SQLITE_ERROR for an unknown
** unit or v outside 0..100000 (nothing is set then).
*/
int mopitr_range_start(sqlite3_int64 nowSec, int nowNsec, sqlite3_int64 v, const char *zUnit,
                       sqlite3_int64 *pSec, int *pNsec)
{
    sqlite3_int64 s;
    if (zUnit == NULL || v < 0 || v > 100000)
        return SQLITE_ERROR;
    if (strcmp(zUnit, "h") == 0)
        s = nowSec - v * 3600;
    else if (strcmp(zUnit, "d") == 0)
        s = mopitr_time_add_date(nowSec, 0, 0, (int)-v);
    else if (strcmp(zUnit, "mo") == 0)
        s = mopitr_time_add_date(nowSec, 0, (int)-v, 0);
    else if (strcmp(zUnit, "y") == 0)
        s = mopitr_time_add_date(nowSec, (int)-v, 0, 0);
    else
        return SQLITE_ERROR;
    *pSec = s;
    if (pNsec)
        *pNsec = nowNsec;
    return SQLITE_OK;
}

/*
** The first whole second a RESTORE from a PITR created at createdSec (SHOW PITR's second)
** with range v zUnit is accepted for at time (nowSec, nowNsec): the later of createdSec + 1
** and now - range rounded up. May be after now (nothing restorable yet). SQLITE_OK or
** SQLITE_ERROR (unknown unit or range, as mopitr_range_start).
*/
int mopitr_earliest_restorable(sqlite3_int64 createdSec, sqlite3_int64 nowSec, int nowNsec,
                               sqlite3_int64 v, const char *zUnit, sqlite3_int64 *pOut)
{
    sqlite3_int64 s;
    int ns;
    if (mopitr_range_start(nowSec, nowNsec, v, zUnit, &s, &ns) != SQLITE_OK)
        return SQLITE_ERROR;
    if (ns > 0)
        s++;
    *pOut = s > createdSec + 1 ? s : createdSec + 1;
    return SQLITE_OK;
}

/* The current UTC time (CLOCK_REALTIME). */
void mopitr_clock_now(sqlite3_int64 *pSec, int *pNsec)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *pSec = (sqlite3_int64)ts.tv_sec;
    *pNsec = (int)ts.tv_nsec;
}

/* earliest_restorable of PITR row r at (nowSec, nowNsec) as UTC text in aBuf
** (MOPITR_TIME_SIZE bytes). 0 when there is none to give: no created_time (a CREATE
** queued in a transaction) or a unit/range MatrixOne would not accept. */
int mopitr_row_earliest(const mopitr_row *r, sqlite3_int64 nowSec, int nowNsec, char *aBuf)
{
    sqlite3_int64 created, e;
    aBuf[0] = 0;
    if (r->az[MOPITR_COL_CREATED] == NULL ||
        !mopitr_time_parse(r->az[MOPITR_COL_CREATED], -1, &created, NULL))
        return 0;
    if (mopitr_earliest_restorable(created, nowSec, nowNsec, r->range_value,
                                   r->az[MOPITR_COL_RANGE_UNIT], &e) != SQLITE_OK)
        return 0;
    return mopitr_time_format(e, aBuf);
}
