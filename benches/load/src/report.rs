//! The printed report: per backend, the steady phase against the targets,
//! latency by event, the phases and the ramp, errors, lost and doubled
//! answers, the bot's histograms; the bursts beside the bare bot; the
//! summary of every backend.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::measure::{mb, parse_histograms, Stats, Verdict};
use crate::options::{Backend, Options};
use crate::runs::Run;
use crate::workload::{kept_up, Burst, Kind, KEPT_UP_SECONDS};

/// The steady phase's share of each of the bot's histograms: `after`
/// minus `before`, two `/metrics` pages.
pub fn histogram_table(before: &str, after: &str) -> String {
    let before = parse_histograms(before);
    let after = parse_histograms(after);
    let mut out = String::from(
        "| histogram (steady phase) | count | mean ms | p50 ≤ ms | p99 ≤ ms | total s |\n|---|---|---|---|---|---|\n",
    );
    for (key, h) in &after {
        let d = h.minus(before.get(key));
        if d.count < 1.0 {
            continue;
        }
        let _ = writeln!(
            out,
            "| `{key}` | {} | {:.3} | {} | {} | {:.2} |",
            d.count,
            d.sum / d.count * 1000.0,
            d.quantile_ms(0.5),
            d.quantile_ms(0.99),
            d.sum
        );
    }
    out
}

/// Each helpdesk burst beside the bare bot's burst that followed it, and
/// the ratio of their answer rates.
pub fn burst_table(out: &mut String, options: &Options, pairs: &[(&Burst, &Burst)]) {
    let _ = writeln!(
        out,
        "### Burst: {} questions from {} people within {} s, default settings\n",
        options.burst, options.burst, options.burst_seconds
    );
    let _ = writeln!(
        out,
        "| bot | answered | set aside (\"swamped\") | no reply | first question → last answer | answers/s | ratio to the bare bot | answer latency p50 / p99 / max | bot VmHWM (against the bare bot's) |\n|---|---|---|---|---|---|---|---|---|"
    );
    for (helpdesk, bare) in pairs {
        for b in [*helpdesk, *bare] {
            let _ = writeln!(
                out,
                "| {} | {} of {} | {} | {} | {:.2} s | {:.0} | {:.2} | {:.0} / {:.0} / {:.0} ms | {} |",
                b.who,
                b.answered,
                b.sent,
                b.set_aside,
                b.without_reply,
                b.seconds,
                b.rate(),
                b.rate() / bare.rate().max(f64::EPSILON),
                b.latency.p50,
                b.latency.p99,
                b.latency.max,
                peak(b, bare)
            );
        }
    }
    let mut bots: Vec<&str> = Vec::new();
    for (helpdesk, _) in pairs {
        if !bots.contains(&helpdesk.who.as_str()) {
            bots.push(&helpdesk.who);
        }
    }
    out.push('\n');
    for who in bots {
        let own: Vec<(&Burst, &Burst)> = pairs
            .iter()
            .filter(|(helpdesk, _)| helpdesk.who == who)
            .copied()
            .collect();
        if let Some((median, low, high)) = ratio_summary(&own) {
            let _ = writeln!(
                out,
                "- {who}: ratio to the bare bot over {} burst(s), median **{median:.2}** ({low:.2}–{high:.2})",
                own.len()
            );
        }
    }
}

/// The ratios to the bare bot over several bursts of one bot: median,
/// lowest and highest.
pub fn ratio_summary(pairs: &[(&Burst, &Burst)]) -> Option<(f64, f64, f64)> {
    let mut ratios: Vec<f64> = pairs
        .iter()
        .map(|(bot, bare)| bot.rate() / bare.rate().max(f64::EPSILON))
        .collect();
    ratios.sort_by(f64::total_cmp);
    let (&low, &high) = (ratios.first()?, ratios.last()?);
    let middle = ratios.len() / 2;
    let median = if ratios.len() % 2 == 0 {
        (ratios[middle - 1] + ratios[middle]) / 2.0
    } else {
        ratios[middle]
    };
    Some((median, low, high))
}

/// A bot's peak memory over its burst, and for helpdesk its ratio to the
/// bare bot's.
fn peak(bot: &Burst, bare: &Burst) -> String {
    match (bot.hwm_kb, bare.hwm_kb) {
        (0, _) => "–".to_owned(),
        (hwm, bare_hwm) if std::ptr::eq(bot, bare) || bare_hwm == 0 => {
            format!("{:.1} MB", mb(hwm))
        }
        (hwm, bare_hwm) => format!("{:.1} MB ({:.1}×)", mb(hwm), hwm as f64 / bare_hwm as f64),
    }
}

// ----- the report -------------------------------------------------------------

fn mark(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

fn question_stats(run: &Run, phase: usize) -> Stats {
    run.latencies
        .first
        .get(&(phase, Kind::Question))
        .copied()
        .unwrap_or_default()
}

/// New questions whose first request came within the phase, per second.
fn started_per_second(run: &Run, phase: usize) -> f64 {
    run.latencies
        .started_in_phase
        .get(&phase)
        .copied()
        .unwrap_or(0) as f64
        / run.phases[phase].seconds.max(f64::EPSILON)
}

fn lost(v: &Verdict) -> u64 {
    v.threads_missing_answers + v.clicks_without_callback
}

fn doubled(v: &Verdict) -> u64 {
    v.threads_with_extra_answers + v.clicks_with_second_callback
}

fn errors(v: &Verdict) -> u64 {
    v.errors.values().sum()
}

fn phases_table(out: &mut String, run: &Run) {
    let _ = writeln!(
        out,
        "| phase | offered q/s | s | started in phase /s | backlog at end | p50 ms | p95 ms | p99 ms | max ms | max VmRSS MB | bot CPU s / 1,000 q | harness CPU s | machine busy / iowait | kept up |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for (i, p) in run.phases.iter().enumerate() {
        let q = question_stats(run, i);
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} | {:.1} | {:.0}% / {:.0}% | {} |",
            p.name,
            p.rate,
            p.seconds,
            started_per_second(run, i),
            p.backlog,
            q.p50,
            q.p95,
            q.p99,
            q.max,
            mb(p.rss_max_kb),
            p.bot_cpu_s / p.questions.max(1) as f64 * 1000.0,
            p.harness_cpu_s,
            p.machine_busy * 100.0,
            p.machine_iowait * 100.0,
            if kept_up(p) { "yes" } else { "no" }
        );
    }
}

fn verdict_line(out: &mut String, what: &str, run: &Run) {
    let v = &run.verdict;
    let _ = writeln!(
        out,
        "- {what}: answers owed {}, posted {}; threads missing an answer {} (apologies posted in the channel instead: {}), with an extra one {}; \
         clicks {}, without a callback {}, called back twice {}; non-2xx responses {} (of {} requests); \
         bot log lines at WARN or above {}; drained at the end: {}.",
        v.answers_expected,
        v.answers_received,
        v.threads_missing_answers,
        v.apologies,
        v.threads_with_extra_answers,
        v.clicks,
        v.clicks_without_callback,
        v.clicks_with_second_callback,
        errors(v),
        v.requests,
        run.log_lines,
        run.drained
    );
    for (route, n) in &v.errors {
        let _ = writeln!(out, "  - {route}: {n}");
    }
    for (n, line) in &run.log_summary {
        let _ = writeln!(out, "  - {n} × `{line}`");
    }
}

pub fn render(variant: &str, options: &Options, target: &Run, ramp: Option<&Run>) -> String {
    let mut out = String::new();
    let steady = target.steady.unwrap_or(0);
    let s = &target.phases[steady];
    let q = question_stats(target, steady);
    let achieved = started_per_second(target, steady);
    let cpu_per_1000 = target.steady_cpu_s / target.steady_questions.max(1) as f64 * 1000.0;
    let v = &target.verdict;
    let _ = writeln!(out, "## {variant}\n");
    let _ = writeln!(
        out,
        "### Steady phase: {:.0} new questions/s offered for {:.0} s\n",
        s.rate, s.seconds
    );
    let _ = writeln!(
        out,
        "{} events in all ({:.0}/s): questions with follow-ups {:.0}/s, the rest clicks.\n",
        s.events,
        s.events as f64 / s.seconds,
        s.questions as f64 / s.seconds,
    );
    let _ = writeln!(out, "| measure | figure | target | |\n|---|---|---|---|");
    let _ = writeln!(
        out,
        "| questions/s sustained (new questions whose thread was started within the phase) | {achieved:.0} of {:.0} offered; {} still unanswered at the phase's end | ≥ 500 | {} |",
        s.rate,
        s.backlog,
        mark(kept_up(s) && achieved >= 490.0)
    );
    let _ = writeln!(
        out,
        "| bot-side latency of questions, p50 / p95 / p99 / max | {:.2} / {:.2} / {:.2} / {:.2} ms ({} without any request) | p99 < 20 ms | {} |",
        q.p50,
        q.p95,
        q.p99,
        q.max,
        q.missing,
        mark(q.count > 0 && q.missing == 0 && q.p99 < 20.0)
    );
    let _ = writeln!(
        out,
        "| resident memory, idle (VmRSS {} s after connecting) | {:.1} MB | < 25 MB | {} |",
        options.idle,
        mb(target.idle_rss_kb),
        mark(target.idle_rss_kb < 25 * 1024)
    );
    let _ = writeln!(
        out,
        "| resident memory under load (VmHWM after the steady phase and its drain) | {:.1} MB | < 60 MB | {} |",
        mb(target.steady_hwm_kb),
        mark(target.steady_hwm_kb < 60 * 1024)
    );
    let _ = writeln!(
        out,
        "| CPU per 1,000 questions (bot utime+stime over the steady phase and its drain, clicks included) | {cpu_per_1000:.2} s ({:.1} s for {} questions) | | |",
        target.steady_cpu_s, target.steady_questions
    );
    let _ = writeln!(
        out,
        "| errors: non-2xx responses; bot log lines at WARN or above | {}; {} | 0 | {} |",
        errors(v),
        target.log_lines,
        mark(errors(v) == 0 && target.log_lines == 0)
    );
    let _ = writeln!(
        out,
        "| lost: threads missing an answer + clicks without a callback | {} + {} | 0 | {} |",
        v.threads_missing_answers,
        v.clicks_without_callback,
        mark(lost(v) == 0)
    );
    let _ = writeln!(
        out,
        "| doubled: threads with an extra answer + clicks called back twice | {} + {} | 0 | {} |",
        v.threads_with_extra_answers,
        v.clicks_with_second_callback,
        mark(doubled(v) == 0)
    );
    let _ = writeln!(
        out,
        "\nThe harness (stand-in and simulated users, in the bench process on the same 2 cores) used {:.1} CPU s over the steady phase and its drain. Bot VmHWM after start-up {:.1} MB; max sampled VmRSS in the steady phase {:.1} MB. Drained after the steady phase: {}.\n",
        target.steady_harness_cpu_s,
        mb(target.startup_hwm_kb),
        mb(s.rss_max_kb),
        target.steady_drained
    );
    let _ = writeln!(
        out,
        "Bot-side latency by event, steady phase (ms, from the stand-in dispatching the event to it having received the bot's first request about it):\n"
    );
    let _ = writeln!(
        out,
        "| event | n | p50 | p95 | p99 | max | no request |\n|---|---|---|---|---|---|---|"
    );
    for kind in Kind::ALL {
        if let Some(stats) = target.latencies.first.get(&(steady, kind)) {
            let _ = writeln!(out, "{}", stats.row(kind.label()));
        }
    }
    if let Some(stats) = target.latencies.answer.get(&steady) {
        let _ = writeln!(
            out,
            "{}",
            stats.row("question → answer posted in its thread (the second request)")
        );
    }
    let _ = writeln!(out);
    phases_table(&mut out, target);

    if let Some(ramp) = ramp {
        let _ = writeln!(
            out,
            "\n### The sustained maximum: a fresh bot and database, {:.0} s steps, each drained before the next\n",
            options.step
        );
        phases_table(&mut out, ramp);
        let best = ramp
            .phases
            .iter()
            .enumerate()
            .filter(|(_, p)| kept_up(p) && p.name != "warm-up")
            .max_by(|a, b| a.1.rate.partial_cmp(&b.1.rate).unwrap_or(Ordering::Equal));
        match best {
            Some((i, p)) => {
                let q = question_stats(ramp, i);
                let _ = writeln!(
                    out,
                    "\nHighest rate kept up with (at the step's end, fewer of its questions unanswered than arrive in {KEPT_UP_SECONDS} s): **{:.0} questions/s**, with question latency p50 {:.2} / p99 {:.2} / max {:.2} ms, max VmRSS {:.1} MB, {:.2} bot CPU s per 1,000 questions.",
                    p.rate,
                    q.p50,
                    q.p99,
                    q.max,
                    mb(p.rss_max_kb),
                    p.bot_cpu_s / p.questions.max(1) as f64 * 1000.0
                );
            }
            None => {
                let _ = writeln!(out, "\nNo step was kept up with.");
            }
        }
    }

    let _ = writeln!(out, "\n### Errors, lost and doubled\n");
    verdict_line(&mut out, "target load", target);
    if let Some(ramp) = ramp {
        verdict_line(&mut out, "ramp", ramp);
    }
    let _ = writeln!(
        out,
        "\n### The bot's own histograms (`/metrics`), steady phase and its drain\n\n{}",
        target.histograms
    );
    out
}

pub fn variant_name(backend: Backend, options: &Options) -> String {
    let mut name = backend.name().to_owned();
    match backend {
        Backend::Sqlite => {
            if let Some(dir) = &options.sqlite_dir {
                let _ = write!(name, " (database in {})", dir.display());
            }
        }
        Backend::Postgres => {
            if let Some(setting) = &options.pg_synchronous_commit {
                let _ = write!(name, " (synchronous_commit = {setting})");
            }
        }
    }
    name
}

/// The summary table of every backend's target run and ramp.
pub fn print_summary(options: &Options, rows: &[(String, Run, Option<Run>)]) {
    println!("## Summary against the targets\n");
    println!(
        "| backend | q/s started at {:.0} offered | highest rate kept up with | question latency p50 / p95 / p99 / max at {:.0} q/s | p99 at the highest rate kept up with | idle RSS | peak RSS at {:.0} q/s | CPU s / 1,000 q | errors | lost | doubled |\n|---|---|---|---|---|---|---|---|---|---|---|",
        options.rate, options.rate, options.rate
    );
    for (variant, target, ramp) in rows {
        let steady = target.steady.unwrap_or(0);
        let q = question_stats(target, steady);
        let best = ramp
            .as_ref()
            .and_then(|r| {
                let i = r
                    .phases
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| kept_up(p) && p.name != "warm-up")
                    .max_by(|a, b| a.1.rate.partial_cmp(&b.1.rate).unwrap_or(Ordering::Equal))?
                    .0;
                Some((r.phases[i].rate, question_stats(r, i).p99))
            })
            .or_else(|| {
                let s = &target.phases[steady];
                kept_up(s).then_some((s.rate, q.p99))
            });
        let (best_rate, best_p99) = best.map_or(("none".to_owned(), "–".to_owned()), |(r, p)| {
            (format!("{r:.0} q/s"), format!("{p:.2} ms"))
        });
        let all_runs = std::iter::once(target).chain(ramp.as_ref());
        let (mut e, mut l, mut d) = (0, 0, 0);
        for run in all_runs {
            e += errors(&run.verdict) + run.log_lines as u64;
            l += lost(&run.verdict);
            d += doubled(&run.verdict);
        }
        println!(
            "| {variant} | {:.0} | {best_rate} | {:.2} / {:.2} / {:.2} / {:.2} ms | {best_p99} | {:.1} MB | {:.1} MB | {:.2} | {e} | {l} | {d} |",
            started_per_second(target, steady),
            q.p50,
            q.p95,
            q.p99,
            q.max,
            mb(target.idle_rss_kb),
            mb(target.steady_hwm_kb),
            target.steady_cpu_s / target.steady_questions.max(1) as f64 * 1000.0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burst(who: &str, answered: u64, seconds: f64) -> Burst {
        Burst {
            who: who.to_owned(),
            sent: answered,
            answered,
            set_aside: 0,
            without_reply: 0,
            seconds,
            latency: Stats::default(),
            hwm_kb: 0,
        }
    }

    #[test]
    fn the_ratio_summary_is_the_median_and_range_of_each_bursts_own_ratio() {
        let bare = burst("bare", 1000, 0.5);
        let (slow, mid, fast) = (
            burst("h", 1000, 1.0),
            burst("h", 1000, 0.8),
            burst("h", 1000, 0.625),
        );
        let odd = [(&fast, &bare), (&slow, &bare), (&mid, &bare)];
        let (median, low, high) = ratio_summary(&odd).unwrap();
        assert!((median - 0.625).abs() < 1e-9, "{median}");
        assert!((low - 0.5).abs() < 1e-9 && (high - 0.8).abs() < 1e-9);
        let even = [(&slow, &bare), (&fast, &bare)];
        assert!((ratio_summary(&even).unwrap().0 - 0.65).abs() < 1e-9);
        assert_eq!(ratio_summary(&[]), None);
    }
}
