/*
 * grok_patterns.c - the built-in grok pattern library.
 *
 * Every name of the AWS Glue list of built-in grok patterns and the common
 * Logstash names, each written here from what it is documented to match
 * (docs/formats.md lists them with their meaning). Definitions refer to
 * each other with %{NAME}; grok.c expands them, wrapping each expansion in
 * a non-capturing group, so alternations here need no outer group. Named
 * captures inside a definition (SYSLOGBASE, COMMONAPACHELOG, ...) become
 * columns like the captures of the job's own pattern.
 */
#include "grok.h"

const struct sl_grok_def sl__grok_builtin[] = {
    {"USERNAME", "[a-zA-Z0-9._-]+"},
    {"USER", "%{USERNAME}"},
    {"EMAILLOCALPART", "[a-zA-Z0-9][a-zA-Z0-9_.+=-]*"},
    {"EMAILADDRESS", "%{EMAILLOCALPART}@%{HOSTNAME}"},
    {"HTTPDUSER", "%{EMAILADDRESS}|%{USER}"},
    {"INT", "[+-]?[0-9]+"},
    {"BASE10NUM", "(?<![0-9.+-])[+-]?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)"},
    {"NUMBER", "%{BASE10NUM}"},
    {"BASE16NUM", "(?<![0-9A-Fa-f])[+-]?(?:0[xX])?[0-9A-Fa-f]+"},
    {"BASE16FLOAT", "(?<![0-9A-Fa-f.])[+-]?(?:0[xX])?(?:[0-9A-Fa-f]+(?:\\.[0-"
                    "9A-Fa-f]*)?|\\.[0-9A-Fa-f]+)"},
    {"POSINT", "\\b[1-9][0-9]*\\b"},
    {"NONNEGINT", "\\b[0-9]+\\b"},
    {"WORD", "\\b\\w+\\b"},
    {"NOTSPACE", "\\S+"},
    {"SPACE", "\\s*"},
    {"DATA", ".*?"},
    {"GREEDYDATA", ".*"},
    {"QUOTEDSTRING",
     "\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`(?:[^`\\\\]|\\\\.)*`"},
    {"QS", "%{QUOTEDSTRING}"},
    {"UUID", "[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}"},
    {"BOOLEAN", "\\b(?i:true|false)\\b"},
    {"CISCOMAC", "(?:[A-Fa-f0-9]{4}\\.){2}[A-Fa-f0-9]{4}"},
    {"WINDOWSMAC", "(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2}"},
    {"COMMONMAC", "(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2}"},
    {"MAC", "%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC}"},
    {"IPV4OCTET", "25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]"},
    {"IPV4", "(?<![0-9])%{IPV4OCTET}(?:\\.%{IPV4OCTET}){3}(?![0-9])"},
    {"IPV6H16", "[0-9A-Fa-f]{1,4}"},
    {"IPV6",
     "(?:(?:%{IPV6H16}:){6}%{IPV4}|::(?:ffff(?::0{1,4})?:)?%{IPV4}|(?:%{"
     "IPV6H16}:){1,5}:%{IPV4}|(?:%{IPV6H16}:){7}%{IPV6H16}|(?:%{IPV6H16}:){1,6}"
     "(?::%{IPV6H16}){1}|(?:%{IPV6H16}:){1,5}(?::%{IPV6H16}){1,2}|(?:%{IPV6H16}"
     ":){1,4}(?::%{IPV6H16}){1,3}|(?:%{IPV6H16}:){1,3}(?::%{IPV6H16}){1,4}|(?:%"
     "{IPV6H16}:){1,2}(?::%{IPV6H16}){1,5}|%{IPV6H16}:(?::%{IPV6H16}){1,6}|:(?:"
     ":%{IPV6H16}){1,7}|(?:%{IPV6H16}:){1,7}:|::)(?:%[0-9A-Za-z._~-]+)?(?![0-"
     "9A-Fa-f:])"},
    {"IP", "%{IPV6}|%{IPV4}"},
    {"HOSTNAME",
     "\\b[0-9A-Za-z](?:[0-9A-Za-z_-]{0,61}[0-9A-Za-z])?(?:\\.[0-9A-Za-z](?:[0-"
     "9A-Za-z_-]{0,61}[0-9A-Za-z])?)*\\.?(?![0-9A-Za-z_-])"},
    {"HOST", "%{HOSTNAME}"},
    {"IPORHOST", "%{IP}|%{HOSTNAME}"},
    {"HOSTPORT", "%{IPORHOST}:%{POSINT}"},
    {"TTY", "/dev/(?:pts/[0-9]+|tty[A-Za-z0-9]*|console)"},
    {"UNIXPATH", "(?:/[^/\\s]*)+"},
    {"WINPATH", "(?:[A-Za-z]:|\\\\)(?:\\\\[^\\\\?*\\s]*)+"},
    {"PATH", "%{UNIXPATH}|%{WINPATH}"},
    {"URIPROTO", "[A-Za-z][A-Za-z0-9+.-]*"},
    {"URIHOST", "%{IPORHOST}(?::%{POSINT})?"},
    {"URIPATH", "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+"},
    {"URIPARAM", "\\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\\[\\]<>^-]*"},
    {"URIPATHPARAM", "%{URIPATH}(?:%{URIPARAM})?"},
    {"URI", "%{URIPROTO}://"
            "(?:%{USER}(?::[^@\\s]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?"},
    {"MONTH", "\\b(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|"
              "june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:"
              "ember)?|dec(?:ember)?)\\b"},
    {"MONTHNUM", "1[0-2]|0?[1-9]"},
    {"MONTHNUM2", "0[1-9]|1[0-2]"},
    {"MONTHDAY", "3[01]|[12][0-9]|0?[1-9]"},
    {"DAY", "\\b(?i:mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?"
            ":day)?|sat(?:urday)?|sun(?:day)?)\\b"},
    {"YEAR", "(?:[0-9]{2}){1,2}"},
    {"HOUR", "2[0-3]|[01]?[0-9]"},
    {"MINUTE", "[0-5][0-9]"},
    {"SECOND", "(?:60|[0-5]?[0-9])(?:[.,:][0-9]+)?"},
    {"TIME", "(?<![0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})?(?![0-9])"},
    {"DATE_US", "%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}"},
    {"DATE_EU", "%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}"},
    {"DATE", "%{DATE_US}|%{DATE_EU}"},
    {"DATESTAMP", "%{DATE}[- ]%{TIME}"},
    {"TZ", "\\b(?:UTC|GMT|[A-Z]{1,3}[SD]T|[A-Z]{3})\\b"},
    {"DATESTAMP_US", "%{DATE_US}[- ]%{TIME}"},
    {"DATESTAMP_EU", "%{DATE_EU}[- ]%{TIME}"},
    {"DATESTAMP_RFC822", "%{DAY},? (?:%{MONTH} %{MONTHDAY}|%{MONTHDAY} "
                         "%{MONTH}) %{YEAR} %{TIME} %{TZ}"},
    {"DATESTAMP_RFC2822", "(?:%{DAY}, )?%{MONTHDAY} %{MONTH} %{YEAR} %{TIME} "
                          "(?:[+-][0-9]{4}|%{TZ})"},
    {"DATESTAMP_OTHER", "%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}"},
    {"DATESTAMP_EVENTLOG", "[0-9]{4}%{MONTHNUM2}(?:0[1-9]|[12][0-9]|3[01])(?:["
                           "01][0-9]|2[0-3])[0-5][0-9](?:[0-5][0-9]|60)"},
    {"ISO8601_TIMEZONE", "Z|[+-](?:2[0-3]|[01][0-9])(?::?%{MINUTE})?"},
    {"ISO8601_SECOND", "%{SECOND}"},
    {"TIMESTAMP_ISO8601",
     "%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T "
     "]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?"},
    {"HTTPDATE", "%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}"},
    {"CISCOTIMESTAMP", "%{MONTH} +%{MONTHDAY}(?: %{YEAR})? %{TIME}"},
    {"SYSLOGTIMESTAMP", "%{MONTH} +%{MONTHDAY} %{TIME}"},
    {"PROG", "[\\w./%-]+"},
    {"SYSLOGPROG", "%{PROG:program}(?:\\[%{POSINT:pid}\\])?"},
    {"SYSLOGHOST", "%{IPORHOST}"},
    {"SYSLOGFACILITY", "<%{NONNEGINT:facility}\\.%{NONNEGINT:priority}>"},
    {"SYSLOG5424PRI", "<%{NONNEGINT:syslog5424_pri}>"},
    {"SYSLOGBASE", "%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} "
                   ")?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:"},
    {"SYSLOGLINE", "%{SYSLOGBASE} %{GREEDYDATA:message}"},
    {"MESSAGESLOG", "%{SYSLOGBASE} %{DATA}"},
    {"LOGLEVEL", "\\b(?i:trace|debug|info(?:rmation)?|notice|warn(?:ing)?|err(?"
                 ":or)?|crit(?:ical)?|fatal|severe|alert|emerg(?:ency)?)\\b"},
    {"COMMONAPACHELOG",
     "%{IPORHOST:clientip} %{HTTPDUSER:ident} %{HTTPDUSER:auth} "
     "\\[%{HTTPDATE:timestamp}\\] \"(?:%{WORD:verb} %{NOTSPACE:request}(?: "
     "HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})\" %{NUMBER:response} "
     "(?:%{NUMBER:bytes}|-)"},
    {"COMBINEDAPACHELOG", "%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}"},
    {"HTTPD_COMMONLOG", "%{COMMONAPACHELOG}"},
    {"HTTPD_COMBINEDLOG", "%{COMBINEDAPACHELOG}"},
    {0},
};
