//! The statistics chart `/kb stats` attaches and `helpdesk stats --chart`
//! writes: three panels in one PNG, drawn in memory.
//!
//! - questions a day over the last days, answered and unanswered, stacked;
//! - the helpful share of each entry's votes;
//! - each entry's votes, helpful and not, stacked.
//!
//! Pure: statistics in, PNG bytes out. The text is drawn in DejaVu Sans,
//! embedded from `assets/fonts/` (its licence is beside it), so the chart
//! looks the same on every machine and needs no system font.

use plotters::coord::types::{RangedCoordf64, RangedCoordu64};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};

use crate::store::{DailyQuestions, EntryStats, Stats};

/// The chart's size in pixels.
pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 1200;
/// Entries shown in the two per-entry panels: those with most votes.
pub const MAX_ENTRIES: usize = 10;
/// Entry names longer than this are cut, with an ellipsis.
const MAX_LABEL_CHARS: usize = 26;

const FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
/// The family plotters asks for by default (axis labels): the embedded
/// font is registered under it.
const FONT: &str = "sans-serif";

const ANSWERED: RGBColor = RGBColor(46, 139, 87);
const UNANSWERED: RGBColor = RGBColor(230, 126, 34);
const HELPFUL: RGBColor = RGBColor(52, 120, 198);
const NOT_HELPFUL: RGBColor = RGBColor(200, 60, 60);
const MUTED: RGBColor = RGBColor(110, 110, 110);

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the chart's embedded font could not be read")]
    Font,
    #[error("could not draw the chart: {0}")]
    Draw(String),
    #[error("could not encode the chart as PNG: {0}")]
    Encode(#[from] png::EncodingError),
}

type Panel<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

fn drawing<E: std::fmt::Debug>(error: E) -> ChartError {
    ChartError::Draw(format!("{error:?}"))
}

/// Draws `stats` (its per-entry votes) and `days` (questions a day, oldest
/// first) as a [`WIDTH`]×[`HEIGHT`] PNG.
pub fn render(stats: &Stats, days: &[DailyQuestions]) -> Result<Vec<u8>, ChartError> {
    // The font registry is plotters' own and lasts the process: the font
    // is parsed and registered once.
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if !*REGISTERED.get_or_init(|| register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()) {
        return Err(ChartError::Font);
    }
    let voted = most_voted(&stats.entries);
    let mut pixels = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let (top, rest) = root.split_vertically(HEIGHT as i32 * 2 / 5);
        let (middle, bottom) = rest.split_vertically(HEIGHT as i32 * 3 / 10);
        questions_panel(&top, days)?;
        let all_voted = stats
            .entries
            .iter()
            .filter(|e| e.helpful + e.not_helpful > 0)
            .count();
        helpful_panel(&middle, &voted, all_voted)?;
        votes_panel(&bottom, &voted)?;
        root.present().map_err(drawing)?;
    }
    encode(&pixels)
}

/// The entries with votes, most voted first, at most [`MAX_ENTRIES`].
fn most_voted(entries: &[EntryStats]) -> Vec<&EntryStats> {
    let mut voted: Vec<&EntryStats> = entries
        .iter()
        .filter(|e| e.helpful + e.not_helpful > 0)
        .collect();
    voted.sort_by(|a, b| {
        (b.helpful + b.not_helpful)
            .cmp(&(a.helpful + a.not_helpful))
            .then_with(|| a.entry.cmp(&b.entry))
    });
    voted.truncate(MAX_ENTRIES);
    voted
}

fn text(size: u32, color: RGBColor, pos: Pos) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos,
    }
}

/// Draws `label` on `panel` at the pixel the chart maps `at` to, moved by
/// `offset`: labels placed by hand, beside bars, where axis labels would
/// not line up with them.
fn label_at<X, Y>(
    panel: &Panel<'_>,
    chart: &ChartContext<'_, BitMapBackend<'_>, Cartesian2d<X, Y>>,
    at: (X::ValueType, Y::ValueType),
    offset: (i32, i32),
    label: &str,
    style: &TextStyle<'_>,
) -> Result<(), ChartError>
where
    X: Ranged,
    Y: Ranged,
{
    let (x, y) = chart.backend_coord(&at);
    let (base_x, base_y) = panel.get_base_pixel();
    panel
        .draw(&Text::new(
            label.to_owned(),
            (x - base_x + offset.0, y - base_y + offset.1),
            style.clone(),
        ))
        .map_err(drawing)
}

/// A panel with nothing to draw: its title and why it is empty.
fn empty_panel(panel: &Panel<'_>, title: &str, note: &str) -> Result<(), ChartError> {
    let (width, height) = panel.dim_in_pixel();
    let center = Pos::new(HPos::Center, VPos::Center);
    panel
        .draw(&Text::new(
            title.to_owned(),
            (width as i32 / 2, 28),
            text(24, BLACK, center),
        ))
        .map_err(drawing)?;
    panel
        .draw(&Text::new(
            note.to_owned(),
            (width as i32 / 2, height as i32 / 2),
            text(20, MUTED, center),
        ))
        .map_err(drawing)
}

fn questions_panel(panel: &Panel<'_>, days: &[DailyQuestions]) -> Result<(), ChartError> {
    let title = format!("Questions a day, last {} days (UTC)", days.len());
    if days.is_empty() {
        return empty_panel(panel, &title, "no days to show");
    }
    let peak = days
        .iter()
        .map(|d| d.answered + d.unanswered)
        .max()
        .unwrap_or(0);
    let span = days.len() as f64;
    let mut chart = ChartBuilder::on(panel)
        .caption(&title, (FONT, 24))
        .margin(16)
        .x_label_area_size(34)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..span, 0u64..peak + peak / 8 + 1)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_desc("questions")
        .light_line_style(WHITE)
        .label_style((FONT, 14))
        .draw()
        .map_err(drawing)?;
    if peak > 0 {
        day_bars(&mut chart, days)?;
    }
    // A date under every fifth day, counted back from today.
    let below = text(13, BLACK, Pos::new(HPos::Center, VPos::Top));
    for (i, day) in days.iter().enumerate() {
        if (days.len() - 1 - i) % 5 == 0 {
            let at = (i as f64 + 0.5, 0);
            label_at(panel, &chart, at, (0, 6), &month_day(day.day), &below)?;
        }
    }
    if peak == 0 {
        // Halfway up the empty plot (its y axis runs from 0 to 1).
        let (x, bottom) = chart.backend_coord(&(span / 2.0, 0));
        let (_, top) = chart.backend_coord(&(span / 2.0, 1));
        let y = (bottom + top) / 2;
        let (base_x, base_y) = panel.get_base_pixel();
        panel
            .draw(&Text::new(
                "no questions yet",
                (x - base_x, y - base_y),
                text(20, MUTED, Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(drawing)?;
    }
    Ok(())
}

/// The answered and unanswered bars of each day, stacked, with a legend.
fn day_bars<'a>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, Cartesian2d<RangedCoordf64, RangedCoordu64>>,
    days: &[DailyQuestions],
) -> Result<(), ChartError> {
    let bar = |i: usize, low: u64, high: u64, color: RGBColor| {
        Rectangle::new(
            [(i as f64 + 0.12, low), (i as f64 + 0.88, high)],
            color.filled(),
        )
    };
    chart
        .draw_series(
            days.iter()
                .enumerate()
                .map(|(i, d)| bar(i, 0, d.answered, ANSWERED)),
        )
        .map_err(drawing)?
        .label("answered")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], ANSWERED.filled()));
    chart
        .draw_series(
            days.iter()
                .enumerate()
                .map(|(i, d)| bar(i, d.answered, d.answered + d.unanswered, UNANSWERED)),
        )
        .map_err(drawing)?
        .label("unanswered")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], UNANSWERED.filled()));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(MUTED)
        .label_font((FONT, 14))
        .draw()
        .map_err(drawing)?;
    Ok(())
}

fn helpful_panel(
    panel: &Panel<'_>,
    voted: &[&EntryStats],
    all_voted: usize,
) -> Result<(), ChartError> {
    let title = if all_voted > voted.len() {
        format!(
            "Helpful share per entry (the {} with most votes)",
            voted.len()
        )
    } else {
        "Helpful share per entry".to_owned()
    };
    if voted.is_empty() {
        return empty_panel(panel, &title, "no votes yet");
    }
    let rows = voted.len() as f64;
    let mut chart = ChartBuilder::on(panel)
        .caption(&title, (FONT, 24))
        .margin(16)
        .x_label_area_size(30)
        .y_label_area_size(230)
        .build_cartesian_2d(0f64..100f64, 0f64..rows)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(6)
        .x_label_formatter(&|v| format!("{v:.0}%"))
        .light_line_style(WHITE)
        .label_style((FONT, 14))
        .draw()
        .map_err(drawing)?;
    let name = text(14, BLACK, Pos::new(HPos::Right, VPos::Center));
    for (row, entry) in voted.iter().enumerate() {
        let share = entry.helpful_percent().unwrap_or(0.0);
        let y = rows - row as f64 - 1.0;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, y + 0.2), (share, y + 0.8)],
                HELPFUL.filled(),
            )))
            .map_err(drawing)?;
        label_at(
            panel,
            &chart,
            (0.0, y + 0.5),
            (-8, 0),
            &short(&entry.entry),
            &name,
        )?;
        let votes = entry.helpful + entry.not_helpful;
        let figure = format!("{share:.0}% of {votes}");
        // Inside a long bar, beside a short one.
        let (offset, style) = if share > 70.0 {
            (-6, text(13, WHITE, Pos::new(HPos::Right, VPos::Center)))
        } else {
            (6, text(13, BLACK, Pos::new(HPos::Left, VPos::Center)))
        };
        label_at(
            panel,
            &chart,
            (share, y + 0.5),
            (offset, 0),
            &figure,
            &style,
        )?;
    }
    Ok(())
}

fn votes_panel(panel: &Panel<'_>, voted: &[&EntryStats]) -> Result<(), ChartError> {
    let title = "Votes per entry";
    if voted.is_empty() {
        return empty_panel(panel, title, "no votes yet");
    }
    let most = voted
        .iter()
        .map(|e| e.helpful + e.not_helpful)
        .max()
        .unwrap_or(0);
    let rows = voted.len() as f64;
    // Room right of the longest bar for its figures.
    let mut chart = ChartBuilder::on(panel)
        .caption(title, (FONT, 24))
        .margin(16)
        .x_label_area_size(30)
        .y_label_area_size(230)
        .build_cartesian_2d(0u64..most + most / 4 + 1, 0f64..rows)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(6)
        .light_line_style(WHITE)
        .label_style((FONT, 14))
        .draw()
        .map_err(drawing)?;
    let name = text(14, BLACK, Pos::new(HPos::Right, VPos::Center));
    let figure = text(13, BLACK, Pos::new(HPos::Left, VPos::Center));
    for (row, entry) in voted.iter().enumerate() {
        let y = rows - row as f64 - 1.0;
        let total = entry.helpful + entry.not_helpful;
        chart
            .draw_series([
                Rectangle::new([(0, y + 0.2), (entry.helpful, y + 0.8)], HELPFUL.filled()),
                Rectangle::new(
                    [(entry.helpful, y + 0.2), (total, y + 0.8)],
                    NOT_HELPFUL.filled(),
                ),
            ])
            .map_err(drawing)?;
        label_at(
            panel,
            &chart,
            (0, y + 0.5),
            (-8, 0),
            &short(&entry.entry),
            &name,
        )?;
        let counts = format!("{} helpful, {} not", entry.helpful, entry.not_helpful);
        label_at(panel, &chart, (total, y + 0.5), (6, 0), &counts, &figure)?;
    }
    Ok(())
}

/// An entry's name, cut to [`MAX_LABEL_CHARS`] characters.
fn short(name: &str) -> String {
    if name.chars().count() <= MAX_LABEL_CHARS {
        return name.to_owned();
    }
    let mut cut: String = name.chars().take(MAX_LABEL_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// `MM-DD` of a day counted from the Unix epoch (the proleptic Gregorian
/// calendar, as in Howard Hinnant's `civil_from_days`).
fn month_day(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day_of_month = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    format!("{month:02}-{day_of_month:02}")
}

fn encode(pixels: &[u8]) -> Result<Vec<u8>, ChartError> {
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(png_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Tally, SECONDS_PER_DAY};

    fn day_of(unix_seconds: i64) -> i64 {
        unix_seconds.div_euclid(SECONDS_PER_DAY)
    }

    /// Decodes a PNG: its width, height and RGB pixels.
    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(bytes);
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut pixels = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).expect("a PNG frame");
        pixels.truncate(frame.buffer_size());
        (frame.width, frame.height, pixels)
    }

    fn entry(name: &str, helpful: u64, not_helpful: u64) -> EntryStats {
        EntryStats {
            entry: name.to_owned(),
            shown: helpful + not_helpful + 1,
            helpful,
            not_helpful,
            ..EntryStats::default()
        }
    }

    fn days(counts: &[(u64, u64)]) -> Vec<DailyQuestions> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &(answered, unanswered))| DailyQuestions {
                day: 20_000 + i as i64,
                answered,
                unanswered,
            })
            .collect()
    }

    /// Pixels of one colour: how much of the chart a series covers.
    fn pixels_of(pixels: &[u8], color: RGBColor) -> usize {
        pixels
            .chunks_exact(3)
            .filter(|p| p == &[color.0, color.1, color.2])
            .count()
    }

    #[test]
    fn empty_statistics_render_a_png_of_the_stated_size() {
        let png = render(&Stats::default(), &[]).unwrap();
        let (width, height, pixels) = decode(&png);
        assert_eq!((width, height), (WIDTH, HEIGHT));
        assert_eq!(pixels_of(&pixels, HELPFUL), 0, "no vote bars");
        let quiet = render(&Stats::default(), &days(&[(0, 0); 30])).unwrap();
        let (_, _, pixels) = decode(&quiet);
        assert_eq!(pixels_of(&pixels, ANSWERED), 0, "no question bars");
    }

    #[test]
    fn bars_are_drawn_for_questions_and_votes() {
        let stats = Stats {
            answers: 5,
            unanswered: 2,
            escalated: 0,
            votes: Tally {
                helpful: 4,
                not_helpful: 1,
            },
            entries: vec![entry("imap-vs-pop", 3, 1), entry("full-mailbox", 1, 0)],
        };
        let png = render(&stats, &days(&[(0, 0), (3, 1), (2, 1)])).unwrap();
        let (width, height, pixels) = decode(&png);
        assert_eq!((width, height), (WIDTH, HEIGHT));
        for (color, series) in [
            (ANSWERED, "answered"),
            (UNANSWERED, "unanswered"),
            (HELPFUL, "helpful"),
            (NOT_HELPFUL, "not helpful"),
        ] {
            assert!(pixels_of(&pixels, color) > 100, "{series} bars are drawn");
        }
    }

    #[test]
    fn long_names_and_many_entries_still_render() {
        let entries: Vec<EntryStats> = (0..40)
            .map(|i| entry(&format!("{}-{i}", "a-very-long-entry-name".repeat(5)), i, 1))
            .collect();
        let stats = Stats {
            entries,
            ..Stats::default()
        };
        let png = render(&stats, &days(&[(1_000_000, 7); 30])).unwrap();
        assert_eq!(decode(&png).0, WIDTH);
        assert_eq!(most_voted(&stats.entries).len(), MAX_ENTRIES);
        assert_eq!(
            most_voted(&stats.entries)[0].helpful,
            39,
            "most voted first"
        );
    }

    #[test]
    fn entries_without_votes_are_left_out() {
        let entries = [entry("voted", 1, 0), entry("unvoted", 0, 0)];
        let voted = most_voted(&entries);
        assert_eq!(voted.len(), 1);
        assert_eq!(voted[0].entry, "voted");
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(short("imap"), "imap");
        let cut = short(&"é".repeat(40));
        assert_eq!(cut.chars().count(), MAX_LABEL_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn days_are_named_by_month_and_day() {
        assert_eq!(month_day(0), "01-01");
        assert_eq!(month_day(day_of(951_782_400)), "02-29"); // 2000-02-29
        assert_eq!(month_day(day_of(1_767_225_599)), "12-31"); // 2025-12-31 23:59:59
        assert_eq!(month_day(-1), "12-31");
    }
}
