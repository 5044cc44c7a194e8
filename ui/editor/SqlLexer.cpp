// SPDX-License-Identifier: MIT
#include "SqlLexer.h"

#include <QFontDatabase>
#include <QPalette>

namespace quarry {
namespace {

// GoogleSQL's reserved keywords plus the non-reserved ones people write every day, and the
// legacy SQL words (FLATTEN, WITHIN, RECORD, EACH). Lower case: the lexer compares case-
// insensitively when the lexer is set so.
const char* kKeywords =
    "all and any array as asc assert_rows_modified at between by case cast collate contains create cross "
    "cube current default define desc distinct else end enum escape except exclude exists extract false "
    "fetch following for from full group grouping groups hash having if ignore in inner intersect interval "
    "into is join lateral left like limit lookup merge natural new no not null nulls of on or order outer "
    "over partition preceding proto qualify range recursive respect right rollup rows select set some "
    "struct tablesample then to treesort true unbounded union unnest using when where window with within "
    "replace table view schema drop insert update delete values matched target source temp temporary "
    "declare begin commit rollback returns function procedure call flatten record each ignore "
    "int64 float64 numeric bignumeric bool string bytes date datetime time timestamp geography json "
    "integer float boolean";

const char* kFunctions =
    "abs acos any_value approx_count_distinct approx_quantiles approx_top_count array_agg array_concat "
    "array_length array_reverse array_to_string avg bit_and bit_or ceil ceiling coalesce concat corr count "
    "countif covar_pop current_date current_datetime current_time current_timestamp date_add date_diff "
    "date_sub date_trunc datetime_add datetime_diff datetime_trunc dense_rank ends_with exp first_value "
    "floor format format_date format_datetime format_timestamp generate_array generate_date_array "
    "greatest ifnull initcap instr json_extract json_extract_scalar json_query json_value lag last_value "
    "lead least length ln log log10 logical_and logical_or lower lpad ltrim max min mod nth_value ntile "
    "nullif offset ordinal parse_date parse_datetime parse_json parse_timestamp percent_rank pow power "
    "rand rank regexp_contains regexp_extract regexp_extract_all regexp_replace repeat reverse round "
    "row_number rpad rtrim safe_cast safe_divide safe_offset safe_ordinal sign sqrt split starts_with "
    "stddev string_agg strpos substr substring sum timestamp_add timestamp_diff timestamp_micros "
    "timestamp_millis timestamp_seconds timestamp_sub timestamp_trunc to_json to_json_string trim trunc "
    "unix_date unix_micros unix_millis unix_seconds upper variance "
    "nest top last first group_concat integer_sum";

// Legacy SQL (https://cloud.google.com/bigquery/docs/reference/legacy-sql).
const char* kLegacyKeywords =
    "all and as asc between by case contains cross desc distinct each else end false flatten from full group "
    "having if ignore in inner is join left like limit not null omit on or order outer record select then true "
    "union when where within "
    "integer float boolean string timestamp bytes record";

const char* kLegacyFunctions =
    "abs avg ceil coalesce concat corr count covar_pop cume_dist date date_add datediff day dayofweek "
    "dayofyear dense_rank exact_count_distinct first floor format_ip format_utc_usec group_concat "
    "group_concat_unquoted hash hour ifnull instr is_explicitly_defined is_inf is_nan is_null json_extract "
    "json_extract_scalar lag last lead left length ln log lower lpad ltrim max min minute month msec_to_timestamp "
    "nest now nth ntile parse_ip parse_utc_usec percent_rank position pow quantiles quarter rank regexp_extract "
    "regexp_match regexp_replace replace right round row_number rpad rtrim sec_to_timestamp second some split "
    "sqrt stddev strftime_utc_usec string substr sum table_date_range table_date_range_strict table_query "
    "timestamp timestamp_to_msec timestamp_to_sec timestamp_to_usec top upper usec_to_timestamp "
    "utc_usec_to_day utc_usec_to_hour utc_usec_to_month utc_usec_to_week utc_usec_to_year variance week year";

} // namespace

SqlLexer::SqlLexer(QObject* parent) : QsciLexerSQL(parent) {
    setFoldComments(true);
    setFoldCompact(false);
    setDottedWords(false);
    setHashComments(true);
    setQuotedIdentifiers(true); // `project.dataset.table`
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    setDefaultFont(mono);
    setFont(mono);
}

void SqlLexer::applyPalette(const QPalette& palette) {
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    const QColor text = palette.color(QPalette::Text);
    setDefaultPaper(palette.color(QPalette::Base));
    setDefaultColor(text);
    setPaper(palette.color(QPalette::Base), -1);
    for (int style = 0; style < 32; ++style) {
        if (description(style).isEmpty() && style != 16) continue; // 16: the functions list (SCE_SQL_WORD2)
        QColor c = dark ? text : defaultColor(style);
        if (dark) {
            switch (style) {
            case Comment: case CommentLine: case CommentDoc: case CommentLineHash: case PlusComment: c = QColor(0x8a, 0xa8, 0x7e); break;
            case Number: c = QColor(0xf7, 0x8c, 0x6c); break;
            case Keyword: c = QColor(0x82, 0xaa, 0xff); break;
            case DoubleQuotedString: case SingleQuotedString: c = QColor(0xc3, 0xe8, 0x8d); break;
            case KeywordSet5: case PlusKeyword: c = QColor(0xc7, 0x92, 0xea); break;
            case QuotedIdentifier: c = QColor(0xff, 0xcb, 0x6b); break;
            default: break;
            }
            // Scintilla's "database objects" list (set 2: functions) has no enum in QsciLexerSQL.
            if (style == 16) c = QColor(0xc7, 0x92, 0xea);
        }
        setColor(c, style);
    }
}

const char* SqlLexer::keywords(int set) const {
    if (set == 1) return legacy_ ? kLegacyKeywords : kKeywords;
    if (set == 2) return legacy_ ? kLegacyFunctions : kFunctions; // "database objects" style: shown as functions
    return QsciLexerSQL::keywords(set);
}

} // namespace quarry
