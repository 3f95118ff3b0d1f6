// Question types beyond choices, as every page shows them: a rating's scale and
// average, a ranking's Borda scores and places, an open-text question's
// approved answers and word cloud. User text always goes in as text (h()).
import { t } from "./i18n.js";
import { h, optionLabels, percentOf } from "./ui.js";

export const isRanking = (ballot) => ballot.kind === "ranking";
export const isText = (ballot) => ballot.kind === "text";
export const isBoard = (ballot) => ballot.kind === "qa";
/** Kinds whose answers are texts people write: open text and Q&A. */
export const isWritten = (ballot) => isText(ballot) || isBoard(ballot);

/** Option labels with a rating's end labels beside its first and last points. */
export function labelsOf(ballot) {
  const labels = optionLabels(ballot);
  if (ballot.kind !== "rating") return labels;
  const { low, high } = ballot.scale ?? {};
  return labels.map((label, i) => {
    const end = i === 0 ? low : i === labels.length - 1 ? high : "";
    return end ? `${label} · ${end}` : label;
  });
}

/** A ranking's cells (option × n + place) back in order: option numbers, first first. */
export function orderOf(cells, n) {
  return [...cells].sort((a, b) => (a % n) - (b % n)).map((c) => Math.floor(c / n));
}

export function cellsOf(order) {
  const n = order.length;
  return order.map((option, place) => option * n + place).sort((a, b) => a - b);
}

/** What a phone says it chose: a ranking in order, else the options (joined, or a list). */
export function chosenLabels(ballot, choices, joined = true) {
  const labels = labelsOf(ballot);
  const items = isRanking(ballot)
    ? orderOf(choices, labels.length).map((o, i) => `${i + 1}. ${labels[o]}`)
    : choices.map((i) => labels[i] ?? `#${i + 1}`);
  return joined ? items.join(", ") : items;
}

/**
 * The bars a ballot shows from its counts (a tally or a sealed record): a
 * ranking's Borda points with their share of all points, else the counts.
 */
export function barsOf(ballot, figures, livePercent = null) {
  const labels = labelsOf(ballot);
  if (isRanking(ballot)) {
    const points = figures.borda ?? labels.map(() => 0);
    return { labels, counts: points, percent: percentOf(points) };
  }
  const counts = figures.counts ?? labels.map(() => 0);
  return { labels, counts, percent: livePercent ?? percentOf(counts) };
}

/** One line under the bars: a rating's average, a ranking's rule. */
export function summaryOf(ballot, figures) {
  if (ballot.kind === "rating") {
    const { min, max } = ballot.scale ?? {};
    return typeof figures.average === "number"
      ? t("rating_average", { avg: figures.average.toFixed(1), min, max })
      : t("rating_none");
  }
  if (isRanking(ballot)) return t("ranking_rule", { n: ballot.options.length - 1 });
  return "";
}

/** A ranking's places: how many put each option 1st, 2nd, ... (a table). */
export function placesTable(ballot, positions) {
  const n = ballot.options.length;
  const head = h("tr", {}, h("th", { scope: "col" }, t("ranking_option")),
    ...Array.from({ length: n }, (_, p) => h("th", { scope: "col" }, t("place_n", { n: p + 1 }))));
  const rows = ballot.options.map((option, o) => h("tr", { "data-testid": `places-${o}` },
    h("th", { scope: "row" }, option),
    ...Array.from({ length: n }, (_, p) => h("td", {}, String(positions?.[o]?.[p] ?? 0)))));
  return h("table", { class: "places", "data-testid": "places" },
    h("caption", {}, t("places_caption")), h("thead", {}, head), h("tbody", {}, rows));
}

/** The word cloud: the most given answers larger (whole answers, as counted). */
export function cloudOf(cloud) {
  const top = Math.max(1, ...cloud.map(([, n]) => n));
  return h("ul", { class: "cloud", "data-testid": "cloud", "aria-label": t("cloud_label") },
    cloud.map(([word, n]) => {
      const item = h("li", {
        class: "cloud-word", "data-count": n, "aria-label": t("cloud_word", { word, n }),
      }, word);
      // set in script: the CSP forbids inline styles
      item.style.setProperty("--weight", (0.3 + 0.7 * (n / top)).toFixed(2));
      return item;
    }));
}

/** The approved answers, newest first. */
export function wallOf(answers) {
  return h("ul", { class: "answer-wall", "data-testid": "answer-wall" },
    answers.map((a) => h("li", { class: "answer", "data-answer": a.id }, a.text)));
}

/** An open-text question's live picture: the cloud, or the wall of answers. */
export function textFigures(ballot, tally) {
  const answers = tally?.answers ?? [];
  if (!tally || tally.hidden) return h("p", { class: "muted" }, t("counts_after_close"));
  if (!answers.length) return h("p", { class: "muted", "data-testid": "no-answers" }, t("no_answers_yet"));
  return ballot.text?.cloud ? cloudOf(tally.cloud ?? []) : wallOf(answers);
}

/**
 * A Q&A board's questions as tallies list them (pinned, then unanswered by
 * upvotes). On a phone `vote` = {mine: Set of own ids, upvoted: Set, upvote(id)}
 * adds an upvote button to the others' questions.
 */
export function boardOf(tally, vote = null) {
  const questions = tally?.questions ?? [];
  if (!tally || tally.hidden) return h("p", { class: "muted" }, t("counts_after_close"));
  if (!questions.length) {
    return h("p", { class: "muted", "data-testid": "no-answers" }, t("no_questions_yet"));
  }
  return h("ol", { class: "board-list", "data-testid": "board" }, questions.map((q) => h("li", {
    class: "board-question", "data-question": q.id, "data-pinned": q.pinned ? "true" : null,
    "data-answered": q.answered ? "true" : null,
  },
  h("p", { class: "board-text" }, q.text),
  h("p", { class: "board-meta" },
    q.pinned ? h("span", { class: "board-flag" }, `📌 ${t("q_pinned")}`) : null,
    q.answered ? h("span", { class: "board-flag" }, `✓ ${t("q_answered")}`) : null,
    h("span", { class: "board-name" }, q.name || t("q_anonymous"))),
  upvoteOf(q, vote))));
}

function upvoteOf(q, vote) {
  const count = h("span", { class: "board-up", "data-testid": `up-${q.id}` }, String(q.up));
  if (!vote || vote.mine.has(q.id)) {
    return h("p", { class: "board-votes", "aria-label": t("q_upvotes", { n: q.up }) },
      "▲ ", count);
  }
  const done = vote.upvoted.has(q.id);
  return h("button", {
    type: "button", class: "upvote", "data-key": `up-${q.id}`, "aria-pressed": String(done),
    "data-testid": `upvote-${q.id}`, disabled: done,
    "aria-label": t(done ? "q_upvoted" : "q_upvote", { text: q.text, n: q.up }),
    onclick: () => vote.upvote(q.id),
  }, "▲ ", count);
}
