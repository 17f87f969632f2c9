//! iCalendar (RFC 5545) feeds of deadlines: all-day events, text escaped, lines folded
//! at 75 octets without splitting a UTF-8 character, CRLF line ends.

use jiff::civil::Date;

/// One all-day event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    /// Stable across feeds, so a calendar updates the event instead of adding one.
    pub uid: String,
    pub date: Date,
    pub summary: String,
    pub description: String,
    pub url: Option<String>,
}

/// A whole calendar. `stamp` is the feed's time as `YYYYMMDDTHHMMSSZ`.
pub fn calendar(name: &str, stamp: &str, events: &[IcsEvent]) -> String {
    let mut out = String::new();
    let mut line = |s: &str| fold(&mut out, s);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//minewatch//deadlines//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", escape(&e.uid)));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!("DTSTART;VALUE=DATE:{}", e.date.strftime("%Y%m%d")));
        let end = e.date.tomorrow().unwrap_or(e.date);
        line(&format!("DTEND;VALUE=DATE:{}", end.strftime("%Y%m%d")));
        line(&format!("SUMMARY:{}", escape(&e.summary)));
        line(&format!("DESCRIPTION:{}", escape(&e.description)));
        if let Some(u) = &e.url {
            line(&format!("URL:{u}"));
        }
        line("TRANSP:TRANSPARENT");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// TEXT escaping: backslash, semicolon, comma and newlines.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line`, folded: at most 75 octets a line, continuation lines start with a
/// space, never inside a character.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn lines_are_folded_at_75_octets_on_character_boundaries_and_text_escaped() {
        let e = IcsEvent {
            uid: "r1@minewatch".into(),
            date: date(2026, 12, 10),
            summary: "Хариу өгөх хугацаа: Заамар сумын Засаг дарга, тэмдэглэл; хуулбар".into(),
            description: "line one\nline two \\ end".into(),
            url: None,
        };
        let text = calendar("Deadlines", "20261126T000000Z", &[e]);
        for l in text.split("\r\n") {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        assert!(text.contains("DTSTART;VALUE=DATE:20261210\r\nDTEND;VALUE=DATE:20261211"));
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("тэмдэглэл\\; хуулбар"), "{unfolded}");
        assert!(unfolded.contains("дарга\\, "));
        assert!(unfolded.contains("DESCRIPTION:line one\\nline two \\\\ end"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}
