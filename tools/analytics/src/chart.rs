//! Drawing a tool's [`Chart`] for people: SVG for the web chat, PNG for Slack and Discord.
//!
//! The font (DejaVu Sans, licence in `assets/`) is compiled in and registered once, so a
//! server renders the same pixels on any machine without system fonts. Choices made for
//! readability: the title on top, axis descriptions when the chart names them, a legend
//! when there is more than one thing to tell apart, thousands separators on values, ISO
//! dates shown as "Nov 16" and thinned to fit, colours that stay distinct for
//! colour-blind readers, anomalies as red dots, predictions as a dashed vertical line
//! with their label, expected ranges as a shaded band.

use std::sync::OnceLock;

use chrono::NaiveDate;
use omnify_core::tool::{Chart, ChartBand, ChartKind, ChartMarker};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The SVG's size in units. It scales to its container; a chat widget shows it about
/// 330 px wide, so it is drawn small with large text rather than big with fine print.
pub const SVG_SIZE: (u32, u32) = (440, 280);
/// Text and strokes in the SVG, relative to a PNG 800 px wide.
const SVG_SCALE: f64 = 1.0;
/// The width text and strokes are designed for; wider PNGs scale them up.
const BASE_WIDTH: f64 = 800.0;
/// A sensible size for a chat upload: readable on a laptop, small enough for a phone.
pub const PNG_SIZE: (u32, u32) = (1200, 600);

const FONT: &str = "sans-serif";
const FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
/// Widest or tallest PNG we draw; beyond this a caller has made a mistake, and the
/// buffer (3 bytes a pixel) would be needlessly large.
const MAX_SIDE: u32 = 4000;

/// Series colours (Okabe–Ito, readable by colour-blind people; red is kept for anomalies).
const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // green
    RGBColor(204, 121, 167), // purple
    RGBColor(86, 180, 233),  // sky
    RGBColor(120, 94, 60),   // brown
];
const ANOMALY: RGBColor = RGBColor(214, 39, 40);
const PREDICTION: RGBColor = RGBColor(80, 80, 80);
const INK: RGBColor = RGBColor(40, 40, 40);
const GRID: RGBColor = RGBColor(232, 232, 232);

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the compiled-in chart font could not be loaded")]
    Font,
    #[error("a chart must be between 1 and {MAX_SIDE} pixels on each side, not {0}x{1}")]
    Size(u32, u32),
    #[error("drawing the chart failed: {0}")]
    Drawing(String),
    #[error("encoding the chart as PNG failed: {0}")]
    Encoding(String),
}

/// The chart as an SVG document ([`SVG_SIZE`] units; it scales to its container).
pub fn render_svg(chart: &Chart) -> Result<String, ChartError> {
    ensure_font()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SVG_SIZE).into_drawing_area();
        draw(&root, chart, SVG_SCALE)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

/// The chart as a PNG image of `width`×`height` pixels, e.g. [`PNG_SIZE`].
pub fn render_png(chart: &Chart, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ChartError::Size(width, height));
    }
    // Text and lines are designed for 800 px wide; a bigger image scales them up.
    draw_png(chart, width, height, f64::from(width) / BASE_WIDTH)
}

fn draw_png(chart: &Chart, width: u32, height: u32, scale: f64) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        draw(&root, chart, scale)?;
        root.present().map_err(drawing)?;
    }
    encode_png(&rgb, width, height)
}

fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let encoding = |e: png::EncodingError| ChartError::Encoding(e.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(encoding)?;
    writer.write_image_data(rgb).map_err(encoding)?;
    writer.finish().map_err(encoding)?;
    Ok(out)
}

fn drawing<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Drawing(e.to_string())
}

/// The value range the y axis must show: every series, band and point marker, with
/// zero included for positive data (marketing numbers read wrong on a cut-off axis) and
/// headroom for labels at the top.
fn y_range(chart: &Chart) -> (f64, f64) {
    let values = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter())
        .chain(
            chart
                .bands
                .iter()
                .flat_map(|b| b.lower.iter().chain(&b.upper)),
        )
        .chain(chart.markers.iter().filter_map(|m| m.y.as_ref()))
        .copied()
        .filter(|v| v.is_finite());
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if lo >= 0.0 || chart.kind == ChartKind::Bar {
        lo = lo.min(0.0);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let span = hi - lo;
    let bottom = if lo < 0.0 { lo - span * 0.05 } else { lo };
    (bottom, hi + span * 0.1)
}

/// How many x positions the axis spans: every label, and any marker placed after them.
fn x_count(chart: &Chart) -> usize {
    let longest_series = chart
        .series
        .iter()
        .map(|s| s.values.len())
        .max()
        .unwrap_or(0);
    let last_marker = chart.markers.iter().map(|m| m.x + 1).max().unwrap_or(0);
    chart
        .x_labels
        .len()
        .max(longest_series)
        .max(last_marker)
        .max(1)
}

/// "2026-11-16" reads as "Nov 16"; anything else is shown as given.
fn short_label(label: &str) -> String {
    match NaiveDate::parse_from_str(label, "%Y-%m-%d") {
        Ok(day) => day.format("%b %-d").to_string(),
        Err(_) => label.to_string(),
    }
}

/// 1234567.8 → "1,234,568"; small spans keep decimals so ticks stay distinct.
pub fn format_value(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text.as_str(), None),
    };
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn decimals_for(span: f64) -> usize {
    if span >= 20.0 {
        0
    } else if span >= 2.0 {
        1
    } else {
        2
    }
}

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    scale: f64,
) -> Result<(), ChartError> {
    let px = |v: f64| (v * scale).round() as u32;
    let size = |v: f64| v * scale;
    root.fill(&WHITE).map_err(drawing)?;
    let root = root.margin(px(10.0), px(6.0), px(10.0), px(22.0));

    // A long title shrinks to fit rather than running off the image.
    let width = root.dim_in_pixel().0;
    let title_size = {
        let wanted = size(24.0);
        let font = (FONT, wanted).into_font().color(&INK);
        let (w, _) = root
            .estimate_text_size(&chart.title, &font)
            .map_err(drawing)?;
        if w > width {
            (wanted * f64::from(width) / f64::from(w)).max(wanted * 0.55)
        } else {
            wanted
        }
    };
    let below_title = root
        .titled(&chart.title, (FONT, title_size).into_font().color(&INK))
        .map_err(drawing)?;

    let y_area = px(if chart.y_label.is_some() { 88.0 } else { 70.0 });
    let label_font = (FONT, size(16.0)).into_font().color(&INK);
    let entries = legend(chart);
    let plot_area = if entries.is_empty() {
        below_title
    } else {
        draw_legend(&below_title, &entries, &label_font, y_area, scale)?
    };

    let n = x_count(chart);
    let (y_lo, y_hi) = y_range(chart);
    let decimals = decimals_for(y_hi - y_lo);
    let x_range = -0.5..(n as f64 - 0.5);
    let mut plot = ChartBuilder::on(&plot_area)
        .x_label_area_size(px(if chart.x_label.is_some() { 52.0 } else { 34.0 }))
        .y_label_area_size(y_area)
        .build_cartesian_2d(x_range, y_lo..y_hi)
        .map_err(drawing)?;

    let labels = &chart.x_labels;
    let x_formatter = |x: &f64| {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        labels
            .get(i as usize)
            .map(|l| short_label(l))
            .unwrap_or_default()
    };
    let y_formatter = |y: &f64| format_value(*y, decimals);
    // One label per ~90 px of text at this scale keeps dates from colliding; plotters
    // picks a round step.
    let x_ticks = n.min((f64::from(width) / (90.0 * scale)) as usize).max(1);
    let mut mesh = plot.configure_mesh();
    mesh.x_labels(x_ticks)
        .y_labels(6)
        .x_label_formatter(&x_formatter)
        .y_label_formatter(&y_formatter)
        .label_style(label_font.clone())
        .axis_desc_style(label_font.clone())
        .max_light_lines(0)
        .bold_line_style(GRID)
        .axis_style(RGBColor(160, 160, 160));
    if chart.kind == ChartKind::Bar {
        mesh.disable_x_mesh();
    }
    if let Some(y_label) = &chart.y_label {
        mesh.y_desc(y_label.as_str());
    }
    if let Some(x_label) = &chart.x_label {
        mesh.x_desc(x_label.as_str());
    }
    mesh.draw().map_err(drawing)?;

    let stroke = px(2.5).max(1);
    for (i, band) in chart.bands.iter().enumerate() {
        plot.draw_series(std::iter::once(Polygon::new(
            band_outline(band),
            colour(i).mix(0.18).filled(),
        )))
        .map_err(drawing)?;
    }

    match chart.kind {
        ChartKind::Line => {
            for (i, series) in chart.series.iter().enumerate() {
                let points = series
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(x, v)| (x as f64, *v));
                plot.draw_series(LineSeries::new(points, colour(i).stroke_width(stroke)))
                    .map_err(drawing)?;
            }
        }
        ChartKind::Bar => {
            let slot = 0.8 / chart.series.len().max(1) as f64;
            for (j, series) in chart.series.iter().enumerate() {
                let c = colour(j);
                let bars = series
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(move |(i, v)| {
                        let left = i as f64 - 0.4 + j as f64 * slot;
                        Rectangle::new(
                            [(left + slot * 0.05, 0.0), (left + slot * 0.95, *v)],
                            c.filled(),
                        )
                    });
                plot.draw_series(bars).map_err(drawing)?;
            }
        }
    }

    let font = (FONT, size(15.0)).into_font();
    for marker in chart.markers.iter().filter(|m| m.y.is_none()) {
        let x = marker.x as f64;
        plot.draw_series(DashedLineSeries::new(
            vec![(x, y_lo), (x, y_hi)],
            size(7.0),
            size(5.0),
            PREDICTION.stroke_width(px(1.5).max(1)),
        ))
        .map_err(drawing)?;
        // Labels right of a line in the left part of the chart, left of it otherwise,
        // so they never run off the edge.
        let right_half = x > (n as f64 - 1.0) * 0.6;
        let anchor = if right_half { HPos::Right } else { HPos::Left };
        let nudge = if right_half { -0.12 } else { 0.12 };
        let style = font.color(&PREDICTION).pos(Pos::new(anchor, VPos::Top));
        plot.draw_series(std::iter::once(Text::new(
            marker.label.clone(),
            (
                x + nudge * (n as f64 / 10.0).max(0.3),
                y_hi - (y_hi - y_lo) * 0.02,
            ),
            style,
        )))
        .map_err(drawing)?;
    }

    let (radius, ring) = (size(5.0), size(7.0));
    let dots = chart
        .markers
        .iter()
        .filter_map(|m| m.y.filter(|y| y.is_finite()).map(|y| (m.x as f64, y)));
    plot.draw_series(dots.flat_map(|at| {
        [
            Circle::new(at, ring, WHITE.filled()),
            Circle::new(at, radius, ANOMALY.filled()),
        ]
    }))
    .map_err(drawing)?;
    Ok(())
}

/// How a legend entry shows what it names.
enum Swatch {
    Line(RGBColor),
    Block(RGBAColor),
    Dot(RGBColor),
}

/// The legend: bands, series, and one entry for the marked points. A single series
/// with nothing else needs none: the title names it.
fn legend(chart: &Chart) -> Vec<(Swatch, String)> {
    let mut entries: Vec<(Swatch, String)> = chart
        .bands
        .iter()
        .enumerate()
        .map(|(i, b)| (Swatch::Block(colour(i).mix(0.18)), b.name.clone()))
        .collect();
    entries.extend(chart.series.iter().enumerate().map(|(i, s)| {
        let swatch = match chart.kind {
            ChartKind::Line => Swatch::Line(colour(i)),
            ChartKind::Bar => Swatch::Block(colour(i).to_rgba()),
        };
        (swatch, s.name.clone())
    }));
    let points: Vec<&ChartMarker> = chart.markers.iter().filter(|m| m.y.is_some()).collect();
    if !points.is_empty() {
        entries.push((Swatch::Dot(ANOMALY), point_legend(&points)));
    }
    if entries.len() == 1 && chart.bands.is_empty() && points.is_empty() {
        entries.clear();
    }
    entries
}

/// Draw the legend in rows above the plot (never over the data), starting at the
/// plot's left edge; returns the area left for the plot.
fn draw_legend<'a, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Swatch, String)],
    font: &TextStyle<'a>,
    indent: u32,
    scale: f64,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let s = |v: f64| (v * scale).round() as i32;
    let (width, _) = area.dim_in_pixel();
    let (swatch, gap, spacing, row_height) = (s(22.0), s(6.0), s(18.0), s(24.0));
    let mut placed = Vec::with_capacity(entries.len());
    let (mut x, mut row) = (indent as i32, 0);
    for (_, label) in entries {
        let (text_width, _) = area.estimate_text_size(label, font).map_err(drawing)?;
        let entry = swatch + gap + text_width as i32;
        if x > indent as i32 && x + entry > width as i32 {
            x = indent as i32;
            row += 1;
        }
        placed.push((x, row));
        x += entry + spacing;
    }
    let height = (row + 1) * row_height + s(6.0);
    let (legend_area, rest) = area.split_vertically(height);
    for ((kind, label), (x, row)) in entries.iter().zip(placed) {
        let y = row * row_height + row_height / 2;
        match kind {
            Swatch::Line(c) => legend_area.draw(&PathElement::new(
                vec![(x, y), (x + swatch, y)],
                c.stroke_width((2.5 * scale).round().max(1.0) as u32),
            )),
            Swatch::Block(c) => legend_area.draw(&Rectangle::new(
                [(x, y - s(6.0)), (x + swatch, y + s(6.0))],
                c.filled(),
            )),
            Swatch::Dot(c) => {
                legend_area.draw(&Circle::new((x + swatch / 2, y), s(5.0), c.filled()))
            }
        }
        .map_err(drawing)?;
        let style = font.clone().pos(Pos::new(HPos::Left, VPos::Center));
        legend_area
            .draw(&Text::new(label.clone(), (x + swatch + gap, y), style))
            .map_err(drawing)?;
    }
    Ok(rest)
}

/// One legend entry for all the dots: their shared label ("anomaly"), or a count when
/// they say different things.
fn point_legend(points: &[&ChartMarker]) -> String {
    let first = points.first().map(|m| m.label.as_str()).unwrap_or("marked");
    if points.iter().all(|m| m.label == first) {
        first.to_string()
    } else {
        format!("marked points ({})", points.len())
    }
}

/// The band's outline: along the lower edge, then back along the upper edge.
fn band_outline(band: &ChartBand) -> Vec<(f64, f64)> {
    let len = band.lower.len().min(band.upper.len());
    let lower = (0..len).map(|i| (i as f64, band.lower[i]));
    let upper = (0..len).rev().map(|i| (i as f64, band.upper[i]));
    lower.chain(upper).filter(|(_, v)| v.is_finite()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnify_core::tool::ChartSeries;

    fn days(n: usize) -> Vec<String> {
        let start = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        (0..n)
            .map(|i| (start + chrono::Duration::days(i as i64)).to_string())
            .collect()
    }

    /// Daily revenue with a spike, its expected range and a predicted fatigue date.
    fn trend() -> Chart {
        let revenue: Vec<f64> = (0..28)
            .map(|i| {
                12_000.0 + 800.0 * ((i as f64) / 3.0).sin() + if i == 17 { 9_500.0 } else { 0.0 }
            })
            .collect();
        let spend: Vec<f64> = (0..28).map(|i| 4_000.0 + 40.0 * i as f64).collect();
        Chart {
            title: "Meta revenue & spend, Nov 2026".into(),
            x_labels: days(28),
            series: vec![
                ChartSeries {
                    name: "Revenue".into(),
                    values: revenue.clone(),
                },
                ChartSeries {
                    name: "Spend".into(),
                    values: spend,
                },
            ],
            bands: vec![ChartBand {
                name: "expected revenue".into(),
                lower: revenue
                    .iter()
                    .enumerate()
                    .map(|(i, _)| 10_500.0 + 800.0 * ((i as f64) / 3.0).sin())
                    .collect(),
                upper: revenue
                    .iter()
                    .enumerate()
                    .map(|(i, _)| 13_500.0 + 800.0 * ((i as f64) / 3.0).sin())
                    .collect(),
            }],
            markers: vec![
                ChartMarker {
                    x: 17,
                    y: Some(revenue[17]),
                    label: "anomaly".into(),
                },
                ChartMarker {
                    x: 32,
                    y: None,
                    label: "predicted fatigue 2026-12-03".into(),
                },
            ],
            y_label: Some("USD".into()),
            ..Default::default()
        }
    }

    fn budget() -> Chart {
        Chart {
            title: "Budget before and after".into(),
            kind: ChartKind::Bar,
            x_labels: vec![
                "Prospecting".into(),
                "Retargeting".into(),
                "Brand search".into(),
            ],
            series: vec![
                ChartSeries {
                    name: "Before".into(),
                    values: vec![12_000.0, 5_000.0, 3_000.0],
                },
                ChartSeries {
                    name: "After".into(),
                    values: vec![9_000.0, 7_500.0, 3_500.0],
                },
            ],
            y_label: Some("Daily budget (USD)".into()),
            ..Default::default()
        }
    }

    /// The shape `get_marketing_performance` draws: a week, two series, a long title.
    fn week() -> Chart {
        Chart {
            title: "Daily spend and revenue (USD), 2026-11-16 to 2026-11-22".into(),
            x_labels: days(7),
            series: vec![
                ChartSeries {
                    name: "Spend".into(),
                    values: vec![951.2, 948.0, 960.4, 1_020.9, 1_088.3, 1_101.7, 1_099.0],
                },
                ChartSeries {
                    name: "Revenue".into(),
                    values: vec![
                        2_598.1, 2_770.4, 2_701.9, 2_805.0, 2_897.3, 3_250.6, 3_498.2,
                    ],
                },
            ],
            ..Default::default()
        }
    }

    fn png_size(png: &[u8]) -> (u32, u32) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        (info.width, info.height)
    }

    #[test]
    fn chart_png_is_a_decodable_image_of_the_asked_size() {
        let png = render_png(&trend(), 900, 450).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(png_size(&png), (900, 450));
    }

    #[test]
    fn chart_png_draws_anomalies_as_red_dots() {
        let mut chart = trend();
        chart.markers.retain(|m| m.y.is_some());
        let with = render_png(&chart, 800, 400).unwrap();
        chart.markers.clear();
        let without = render_png(&chart, 800, 400).unwrap();
        let red = |png: &[u8]| {
            let mut reader = png::Decoder::new(std::io::Cursor::new(png))
                .read_info()
                .unwrap();
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            reader.next_frame(&mut buf).unwrap();
            buf.chunks(3)
                .filter(|p| p[0] > 180 && p[1] < 80 && p[2] < 80)
                .count()
        };
        assert!(red(&with) > 30, "the anomaly dot is drawn in red");
        assert_eq!(red(&without), 0, "nothing else is red");
    }

    #[test]
    fn chart_svg_has_the_title_series_and_markers() {
        let svg = render_svg(&trend()).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(
            svg.contains("Meta revenue &amp; spend, Nov 2026"),
            "title, escaped"
        );
        assert!(
            svg.contains("Revenue") && svg.contains("Spend"),
            "legend names the series"
        );
        assert!(svg.contains("expected revenue"), "band in the legend");
        assert!(
            svg.contains("predicted fatigue 2026-12-03"),
            "prediction labelled"
        );
        assert!(svg.contains("anomaly"), "anomaly in the legend");
        assert!(svg.contains("Nov 11"), "dates shortened");
        // The prediction is a dashed line: many short segments in its grey.
        assert!(
            svg.matches("#505050").count() > 10,
            "dashed prediction line"
        );
        assert!(svg.contains("#D62728"), "red anomaly dot");
    }

    #[test]
    fn chart_svg_escapes_markup_in_labels() {
        let mut chart = budget();
        chart.title = "<script>alert(1)</script>".into();
        let svg = render_svg(&chart).unwrap();
        assert!(!svg.contains("<script>"));
    }

    #[test]
    fn chart_values_use_thousands_separators() {
        assert_eq!(format_value(1_234_567.8, 0), "1,234,568");
        assert_eq!(format_value(-12_500.0, 0), "-12,500");
        assert_eq!(format_value(999.0, 0), "999");
        assert_eq!(format_value(0.456, 2), "0.46");
        assert_eq!(format_value(-0.001, 2), "0.00");
        let svg = render_svg(&budget()).unwrap();
        assert!(
            svg.contains("10,000") || svg.contains("12,000"),
            "y ticks grouped"
        );
    }

    #[test]
    fn chart_without_data_still_renders() {
        let chart = Chart {
            title: "Nothing yet".into(),
            ..Default::default()
        };
        assert!(render_svg(&chart).unwrap().contains("Nothing yet"));
        assert!(render_png(&chart, 400, 200).is_ok());
        assert!(matches!(
            render_png(&chart, 0, 200),
            Err(ChartError::Size(0, 200))
        ));
    }

    /// Writes the samples to `target/chart-samples/` for a person to look at.
    #[test]
    fn chart_samples_are_saved_for_review() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/chart-samples");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, chart) in [("trend", trend()), ("budget", budget()), ("week", week())] {
            let png = render_png(&chart, PNG_SIZE.0, PNG_SIZE.1).unwrap();
            std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
            assert_eq!(png_size(&png), PNG_SIZE);
            std::fs::write(dir.join(format!("{name}.svg")), render_svg(&chart).unwrap()).unwrap();
            // What the SVG looks like in the chat widget, which shows it 330 px wide.
            let shrink = 330.0 / f64::from(SVG_SIZE.0);
            let (w, h) = (330, (f64::from(SVG_SIZE.1) * shrink) as u32);
            let web = draw_png(&chart, w, h, SVG_SCALE * shrink).unwrap();
            std::fs::write(dir.join(format!("{name}-web.png")), web).unwrap();
        }
    }
}
