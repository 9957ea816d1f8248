//! The notice board at a compound's gate (分色管理公示牌), for printing: the compound's name, its
//! tier's colour and meaning, the street chief who answers for it and their phone, and the last
//! inspection with its findings on rentals, sanitation and public order — as a self-contained HTML
//! page ([`board_html`], A4 with print styles) and as a PNG ([`board_png`]).
//!
//! The caller gathers the facts into a [`Board`]; this module only lays them out.

use ab_glyph::FontRef;
use tiny_skia::{FillRule, PathBuilder, Pixmap, Transform};
use wangge_core::{Every, Finding, Tier, Topic};

use crate::render::{Lang, Text, ink, paint, rgb, tier_colours, tier_label};
use crate::{Result, TileError};

/// The topics a gate board shows, as the practice prescribes.
pub const BOARD_TOPICS: [Topic; 3] = [Topic::Rentals, Topic::Sanitation, Topic::PublicOrder];

/// The facts on one compound's board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    /// The compound's name.
    pub name: String,
    /// The compound's code.
    pub code: String,
    /// The community (or other zone) it lies in, by name.
    pub community: Option<String>,
    /// Its tier now.
    pub tier: Tier,
    /// How often a compound of this tier is inspected.
    pub cadence: Every,
    /// The street chief who answers for it: name and phone.
    pub chief: Option<(String, String)>,
    /// The latest inspection, if any.
    pub inspection: Option<BoardInspection>,
    /// The next inspection's due date, `YYYY-MM-DD`.
    pub next_due: String,
    /// Days overdue (0 when on time).
    pub days_overdue: i64,
    /// The date the board was printed, `YYYY-MM-DD`.
    pub printed: String,
}

/// The latest inspection as a board shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardInspection {
    /// The date, `YYYY-MM-DD` (Asia/Shanghai).
    pub date: String,
    /// Who inspected.
    pub inspector: String,
    /// The findings on [`BOARD_TOPICS`], in that order; `None` where the topic was not looked at.
    pub findings: [Option<Finding>; 3],
}

/// Words of the board in one language.
struct Words {
    title: &'static str,
    chief: &'static str,
    no_chief: &'static str,
    inspection: &'static str,
    never: &'static str,
    ok: &'static str,
    problem: &'static str,
    not_checked: &'static str,
    next: &'static str,
    overdue: &'static str,
    code: &'static str,
    printed: &'static str,
    by: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Zh => Words {
            title: "分色管理公示牌",
            chief: "小巷管家",
            no_chief: "暂未指定",
            inspection: "最近一次巡查",
            never: "尚未巡查",
            ok: "正常",
            problem: "有问题",
            not_checked: "未检查",
            next: "下次巡查",
            overdue: "已逾期",
            code: "编码",
            printed: "打印日期",
            by: "巡查人",
        },
        Lang::En => Words {
            title: "Colour-tier notice",
            chief: "Street chief",
            no_chief: "not yet assigned",
            inspection: "Last inspection",
            never: "not inspected yet",
            ok: "in order",
            problem: "problem",
            not_checked: "not checked",
            next: "Next inspection",
            overdue: "overdue",
            code: "Code",
            printed: "Printed",
            by: "by",
        },
    }
}

/// What a tier means for the residents, as the board states it.
pub fn tier_meaning(tier: Tier, lang: Lang) -> &'static str {
    match (tier, lang) {
        (Tier::Green, Lang::Zh) => "宽管级：小区秩序良好，常态管理",
        (Tier::Yellow, Lang::Zh) => "关注级：小区存在需要关注的问题，加密巡查",
        (Tier::Red, Lang::Zh) => "禁止级：本小区房屋禁止出租",
        (Tier::Green, Lang::En) => "Light control: the compound is in good order",
        (Tier::Yellow, Lang::En) => {
            "Watch: the compound needs attention and is inspected more often"
        }
        (Tier::Red, Lang::En) => "Prohibited: homes in this compound may not be rented out",
    }
}

/// A cadence in words: `每季度一次`, `every 2 weeks`.
pub fn cadence_words(every: Every, lang: Lang) -> String {
    let (n, zh, en) = match every {
        Every::Days(n) => (n, "天", "day"),
        Every::Weeks(n) => (n, "周", "week"),
        Every::Months(n) => (n, "个月", "month"),
        Every::Quarters(n) => (n, "季度", "quarter"),
    };
    let n = n.max(1);
    match (lang, n) {
        (Lang::Zh, 1) => match every {
            Every::Months(_) => "每月一次".to_string(),
            _ => format!("每{zh}一次"),
        },
        (Lang::Zh, n) => format!("每{n}{zh}一次"),
        (Lang::En, 1) => format!("every {en}"),
        (Lang::En, n) => format!("every {n} {en}s"),
    }
}

fn topic_label(topic: Topic, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => topic.name_zh(),
        Lang::En => topic.name_en(),
    }
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The board as a self-contained HTML page (no scripts, no outside resources), laid out for an A4
/// sheet; every text the caller gave is escaped.
///
/// # Examples
///
/// ```
/// use wangge_core::{Every, Tier};
/// use wangge_tiles::{Board, Lang, board_html};
///
/// let board = Board {
///     name: "翠湖<小区>".into(), code: "530199003001001".into(), community: Some("翠湖社区".into()),
///     tier: Tier::Red, cadence: Every::Weeks(1), chief: Some(("王芳".into(), "13800000000".into())),
///     inspection: None, next_due: "2026-11-21".into(), days_overdue: 0, printed: "2026-11-21".into(),
/// };
/// let html = board_html(&board, Lang::Zh);
/// assert!(html.contains("禁止出租") && html.contains("王芳") && html.contains("每周一次"));
/// assert!(html.contains("翠湖&lt;小区&gt;"));
/// ```
pub fn board_html(board: &Board, lang: Lang) -> String {
    let w = words(lang);
    let (fill, dark) = (board.tier.colour(), tier_dark_hex(board.tier));
    let text_on = if board.tier == Tier::Yellow {
        "#1A1A1A"
    } else {
        "#FFFFFF"
    };
    let chief = match &board.chief {
        Some((name, phone)) => format!(
            r#"<span class="big">{}</span> <a href="tel:{}">{}</a>"#,
            escape(name),
            escape(&phone.replace(' ', "")),
            escape(phone)
        ),
        None => escape(w.no_chief),
    };
    let inspection = match &board.inspection {
        Some(i) => {
            let rows: String = BOARD_TOPICS
                .iter()
                .zip(&i.findings)
                .map(|(topic, finding)| {
                    let (class, state, note) = match finding {
                        Some(f) if f.ok => ("ok", w.ok, f.note.as_str()),
                        Some(f) => ("bad", w.problem, f.note.as_str()),
                        None => ("none", w.not_checked, ""),
                    };
                    format!(
                        r#"<tr class="{class}" data-topic="{}"><th>{}</th><td><span class="mark"></span>{}</td><td>{}</td></tr>"#,
                        topic.as_str(),
                        escape(topic_label(*topic, lang)),
                        escape(state),
                        escape(note)
                    )
                })
                .collect();
            format!(
                r#"<p class="when">{} · {} {}</p><table class="findings">{rows}</table>"#,
                escape(&i.date),
                escape(w.by),
                escape(&i.inspector)
            )
        }
        None => format!(r#"<p class="when">{}</p>"#, escape(w.never)),
    };
    let overdue = if board.days_overdue > 0 {
        match lang {
            Lang::Zh => format!(
                r#" <span class="overdue">{} {} 天</span>"#,
                w.overdue, board.days_overdue
            ),
            Lang::En => format!(
                r#" <span class="overdue">{} by {} days</span>"#,
                w.overdue, board.days_overdue
            ),
        }
    } else {
        String::new()
    };
    let html_lang = match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    };
    format!(
        r#"<!doctype html>
<html lang="{html_lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {name}</title>
<style>
@page {{ size: A4 portrait; margin: 12mm; }}
* {{ box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ margin: 0; font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; color: #222; background: #f3f1ec; }}
.board {{ max-width: 186mm; margin: 8mm auto; background: #fff; border: 3px solid {dark}; }}
.band {{ background: {fill}; color: {text_on}; padding: 10mm 10mm 8mm; }}
.band .title {{ font-size: 16pt; letter-spacing: 0.2em; margin: 0; opacity: 0.9; }}
.band h1 {{ font-size: 34pt; margin: 4mm 0 2mm; line-height: 1.15; }}
.band .tier {{ font-size: 22pt; font-weight: 700; margin: 0; }}
.meaning {{ font-size: 17pt; font-weight: 700; padding: 6mm 10mm; margin: 0; border-bottom: 1px solid #ddd; }}
section {{ padding: 5mm 10mm; border-bottom: 1px solid #ddd; }}
h2 {{ font-size: 13pt; color: #666; margin: 0 0 2mm; font-weight: 400; }}
.big {{ font-size: 20pt; font-weight: 700; }}
a {{ color: inherit; font-size: 18pt; }}
.when {{ font-size: 13pt; margin: 0 0 3mm; }}
.findings {{ width: 100%; border-collapse: collapse; font-size: 14pt; }}
.findings th {{ text-align: left; width: 22%; padding: 2mm 0; }}
.findings td {{ padding: 2mm 2mm; vertical-align: top; }}
.mark {{ display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%; margin-right: 0.4em; background: #9aa0a6; }}
.ok .mark {{ background: #2E9D48; }}
.bad .mark {{ background: #D7263D; }}
.bad td {{ color: #8E1526; }}
.next {{ font-size: 15pt; margin: 0; }}
.overdue {{ color: #D7263D; font-weight: 700; }}
footer {{ padding: 4mm 10mm; font-size: 10pt; color: #666; display: flex; justify-content: space-between; gap: 4mm; flex-wrap: wrap; }}
@media print {{ body {{ background: #fff; }} .board {{ margin: 0; max-width: none; }} }}
</style>
</head>
<body>
<article class="board" data-tier="{tier_key}" data-code="{code}">
<header class="band"><p class="title">{title}</p><h1>{name}</h1><p class="tier">{tier}</p></header>
<p class="meaning">{meaning}</p>
<section class="chief"><h2>{chief_title}</h2>{chief}</section>
<section class="inspection"><h2>{inspection_title}</h2>{inspection}</section>
<section class="due"><p class="next">{next_title}：{next_due}（{cadence}）{overdue}</p></section>
<footer><span>{community}</span><span>{code_title} {code}</span><span>{printed_title} {printed}</span></footer>
</article>
</body>
</html>
"#,
        title = escape(w.title),
        name = escape(&board.name),
        tier = escape(tier_label(board.tier, lang)),
        tier_key = board.tier.as_str(),
        meaning = escape(tier_meaning(board.tier, lang)),
        chief_title = escape(w.chief),
        inspection_title = escape(w.inspection),
        next_title = escape(w.next),
        next_due = escape(&board.next_due),
        cadence = escape(&cadence_words(board.cadence, lang)),
        community = escape(board.community.as_deref().unwrap_or("")),
        code_title = escape(w.code),
        code = escape(&board.code),
        printed_title = escape(w.printed),
        printed = escape(&board.printed),
    )
}

fn tier_dark_hex(tier: Tier) -> String {
    let (_, dark) = tier_colours(tier);
    let c = dark.to_color_u8();
    format!("#{:02X}{:02X}{:02X}", c.red(), c.green(), c.blue())
}

/// The board's picture width in pixels: A4 at 150 dpi.
pub const BOARD_WIDTH: u32 = 1240;
/// The board's picture height in pixels: A4 at 150 dpi.
pub const BOARD_HEIGHT: u32 = 1754;

/// The board as a PNG of [`BOARD_WIDTH`] × [`BOARD_HEIGHT`] pixels (A4 at 150 dpi). Text needs
/// `font` (TrueType / OpenType bytes, a collection read at face 0); without one the board is drawn
/// with its colours and marks and no text.
///
/// # Examples
///
/// ```
/// use wangge_core::{Every, Tier};
/// use wangge_tiles::{Board, Lang, board_png};
///
/// let board = Board {
///     name: "翠湖小区".into(), code: "530199003001001".into(), community: None,
///     tier: Tier::Green, cadence: Every::Quarters(1), chief: None, inspection: None,
///     next_due: "2026-11-21".into(), days_overdue: 0, printed: "2026-11-21".into(),
/// };
/// let png = board_png(&board, None, Lang::Zh)?;
/// assert_eq!(&png[1..4], b"PNG");
/// # Ok::<(), wangge_tiles::TileError>(())
/// ```
pub fn board_png(board: &Board, font: Option<&[u8]>, lang: Lang) -> Result<Vec<u8>> {
    let font = match font {
        Some(bytes) => {
            Some(
                FontRef::try_from_slice_and_index(bytes, 0).map_err(|e| TileError::Font {
                    size: bytes.len(),
                    reason: e.to_string(),
                })?,
            )
        }
        None => None,
    };
    let text = font.as_ref().map(|font| Text { font, scale: 1.0 });
    let (w, h) = (BOARD_WIDTH as f32, BOARD_HEIGHT as f32);
    let mut pixmap = Pixmap::new(BOARD_WIDTH, BOARD_HEIGHT).ok_or_else(|| TileError::Png {
        reason: format!("no room for a {BOARD_WIDTH} × {BOARD_HEIGHT} picture"),
    })?;
    pixmap.fill(rgb(0xFF, 0xFF, 0xFF));
    let (fill, dark) = tier_colours(board.tier);
    let on_band = if board.tier == Tier::Yellow {
        rgb(0x1A, 0x1A, 0x1A)
    } else {
        rgb(0xFF, 0xFF, 0xFF)
    };
    let muted = rgb(0x66, 0x66, 0x66);
    let margin = 80.0;
    let rect = |pixmap: &mut Pixmap, x: f32, y: f32, rw: f32, rh: f32, colour| {
        if let Some(r) = tiny_skia::Rect::from_xywh(x, y, rw, rh) {
            pixmap.fill_rect(r, &paint(colour), Transform::identity(), None);
        }
    };
    // Frame and colour band.
    rect(&mut pixmap, 0.0, 0.0, w, h, dark);
    rect(
        &mut pixmap,
        8.0,
        8.0,
        w - 16.0,
        h - 16.0,
        rgb(0xFF, 0xFF, 0xFF),
    );
    let band = 470.0;
    rect(&mut pixmap, 8.0, 8.0, w - 16.0, band, fill);
    let words = words(lang);
    let draw = |pixmap: &mut Pixmap, s: &str, x: f32, y: f32, size: f32, colour| {
        if let Some(t) = &text {
            t.draw(pixmap, s, x, y, size, colour, None);
        }
    };
    let fit = |s: &str, size: f32, room: f32| -> f32 {
        text.as_ref()
            .map_or(size, |t| size.min(size * room / t.width(s, size).max(1.0)))
    };
    let room = w - 2.0 * margin;
    draw(&mut pixmap, words.title, margin, 110.0, 44.0, on_band);
    let name_size = fit(&board.name, 112.0, room);
    draw(&mut pixmap, &board.name, margin, 270.0, name_size, on_band);
    let tier = tier_label(board.tier, lang);
    draw(&mut pixmap, tier, margin, 400.0, 72.0, on_band);
    // Meaning.
    let mut y = band + 110.0;
    let meaning = tier_meaning(board.tier, lang);
    draw(
        &mut pixmap,
        meaning,
        margin,
        y,
        fit(meaning, 50.0, room),
        ink(),
    );
    y += 50.0;
    let rule =
        |pixmap: &mut Pixmap, y: f32| rect(pixmap, margin, y, room, 2.0, rgb(0xDD, 0xDD, 0xDD));
    rule(&mut pixmap, y);
    // Chief.
    y += 70.0;
    draw(&mut pixmap, words.chief, margin, y, 36.0, muted);
    y += 80.0;
    match &board.chief {
        Some((name, phone)) => {
            let line = format!("{name}   {phone}");
            draw(&mut pixmap, &line, margin, y, fit(&line, 64.0, room), ink());
        }
        None => draw(&mut pixmap, words.no_chief, margin, y, 56.0, muted),
    }
    y += 40.0;
    rule(&mut pixmap, y);
    // Inspection.
    y += 70.0;
    draw(&mut pixmap, words.inspection, margin, y, 36.0, muted);
    y += 70.0;
    match &board.inspection {
        Some(i) => {
            let when = format!("{} · {} {}", i.date, words.by, i.inspector);
            draw(&mut pixmap, &when, margin, y, fit(&when, 44.0, room), ink());
            for (topic, finding) in BOARD_TOPICS.iter().zip(&i.findings) {
                y += 90.0;
                let (mark, state, note) = match finding {
                    Some(f) if f.ok => (rgb(0x2E, 0x9D, 0x48), words.ok, f.note.as_str()),
                    Some(f) => (rgb(0xD7, 0x26, 0x3D), words.problem, f.note.as_str()),
                    None => (rgb(0x9A, 0xA0, 0xA6), words.not_checked, ""),
                };
                let mut pb = PathBuilder::new();
                pb.push_circle(margin + 20.0, y - 16.0, 20.0);
                if let Some(path) = pb.finish() {
                    pixmap.fill_path(
                        &path,
                        &paint(mark),
                        FillRule::Winding,
                        Transform::identity(),
                        None,
                    );
                }
                draw(
                    &mut pixmap,
                    topic_label(*topic, lang),
                    margin + 60.0,
                    y,
                    48.0,
                    ink(),
                );
                let line = if note.is_empty() {
                    state.to_string()
                } else {
                    format!("{state}：{note}")
                };
                let x = margin + 330.0;
                draw(
                    &mut pixmap,
                    &line,
                    x,
                    y,
                    fit(&line, 44.0, w - margin - x),
                    ink(),
                );
            }
        }
        None => draw(&mut pixmap, words.never, margin, y, 44.0, muted),
    }
    y += 50.0;
    rule(&mut pixmap, y);
    // Next inspection.
    y += 90.0;
    let next = format!(
        "{}：{}（{}）",
        words.next,
        board.next_due,
        cadence_words(board.cadence, lang)
    );
    draw(&mut pixmap, &next, margin, y, fit(&next, 48.0, room), ink());
    if board.days_overdue > 0 {
        y += 70.0;
        let late = match lang {
            Lang::Zh => format!("{} {} 天", words.overdue, board.days_overdue),
            Lang::En => format!("{} by {} days", words.overdue, board.days_overdue),
        };
        draw(&mut pixmap, &late, margin, y, 48.0, rgb(0xD7, 0x26, 0x3D));
    }
    // Footer.
    let footer = format!(
        "{}   {} {}   {} {}",
        board.community.as_deref().unwrap_or(""),
        words.code,
        board.code,
        words.printed,
        board.printed
    );
    draw(
        &mut pixmap,
        footer.trim(),
        margin,
        h - 60.0,
        fit(footer.trim(), 30.0, room),
        muted,
    );
    pixmap.encode_png().map_err(|e| TileError::Png {
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadences_read_as_words() {
        assert_eq!(cadence_words(Every::Quarters(1), Lang::Zh), "每季度一次");
        assert_eq!(cadence_words(Every::Months(1), Lang::Zh), "每月一次");
        assert_eq!(cadence_words(Every::Weeks(2), Lang::Zh), "每2周一次");
        assert_eq!(cadence_words(Every::Days(1), Lang::En), "every day");
        assert_eq!(cadence_words(Every::Weeks(2), Lang::En), "every 2 weeks");
    }

    #[test]
    fn every_tier_has_a_meaning_in_both_languages() {
        for tier in Tier::ALL {
            for lang in [Lang::Zh, Lang::En] {
                assert!(!tier_meaning(*tier, lang).is_empty());
            }
        }
        assert!(tier_meaning(Tier::Red, Lang::Zh).contains("禁止出租"));
    }
}
