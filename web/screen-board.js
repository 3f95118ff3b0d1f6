// The presenter's board: the ballot or agenda item the host put on the screen, its
// counts only as its visibility (or the host's reveal) allows, a closed item's
// outcome large, and all of it scaled to fit the projector without scrolling.
import { t } from "./i18n.js";
import { outcomeOf } from "./outcome.js";
import { showQuorum } from "./screen-quorum.js";
import {
  barsOf, boardOf, isBoard, isRanking, isWritten, placesTable, summaryOf, textFigures,
} from "./figures.js";
import { optionLabels, stateLabel, updateBars } from "./ui.js";

const $ = (id) => document.getElementById(id);
const LONG_LABEL = 28; // characters: longer options put their bar under the label
const MIN_FIT = 0.3;
const FIT_STEPS = 8;

/** The projector's rule as the server applies it (rooms/screen.py), checked again here. */
export function mayShowCounts(ballot, directive) {
  if (directive?.reveal && directive.ballot === ballot.id) return true;
  if (ballot.visibility === "live") return true;
  if (ballot.visibility === "never") return false;
  return ballot.state === "closed";
}

/** The manifest hash published when voting opened: phones show the same digits. */
function showManifest(ballot) {
  const hash = ballot?.manifest_sha256 || "";
  $("manifest").hidden = !hash;
  $("manifest").textContent = hash ? `${t("manifest_label")}: ${hash.slice(0, 16)}` : "";
}

function reset() {
  for (const id of ["outcome", "result-title", "counts-note", "fingerprint", "figure", "words",
    "places"]) {
    $(id).hidden = true;
  }
  $("countdown").removeAttribute("data-closes-at");
  $("countdown").textContent = "";
}

function note(text) {
  $("counts-note").hidden = !text;
  $("counts-note").textContent = text;
}

function showOutcome(outcome) {
  $("outcome").hidden = !outcome;
  $("outcome").textContent = outcome ? t(`screen_outcome_${outcome}`) : "";
  $("outcome").dataset.outcome = outcome ?? "";
}

function showNothing() {
  $("state").hidden = true;
  $("question").textContent = t("no_ballot");
  $("bars").replaceChildren();
  delete $("bars").dataset.labels;
  return 0;
}

/**
 * Fill the board for `ballot` (null: nothing to show) as `view` ("ballot" or
 * "quorum"); returns the number of voters to show.
 */
export function renderBoard(ballot, { tally, directive, quorum, view }) {
  reset();
  showManifest(ballot);
  showQuorum($("quorum"), ballot, quorum);
  if (!ballot) return showNothing();
  const badge = $("state");
  badge.hidden = false;
  badge.textContent = stateLabel(ballot.state);
  badge.dataset.state = ballot.state;
  $("question").textContent = ballot.question;
  const closesAt = ballot.closes_at || tally?.closes_at || 0;
  if (ballot.state === "open" && closesAt) $("countdown").dataset.closesAt = String(closesAt);
  const record = ballot.state === "closed" ? ballot.result?.record : null;
  const shown = Boolean(record || (tally?.counts && mayShowCounts(ballot, directive)));
  const figures = record ?? (shown ? tally : {});
  const { labels, counts, percent } = barsOf(ballot, figures, record ? null : tally?.percent);
  const decided = record && !isWritten(ballot) ? outcomeOf(ballot, counts) : null;
  showOutcome(decided?.outcome);
  const bars = $("bars");
  bars.hidden = view === "quorum" || isWritten(ballot);
  bars.classList.toggle("counts-hidden", !shown);
  bars.classList.toggle("stacked", labels.some((label) => label.length > LONG_LABEL));
  updateBars(bars, labels, counts, percent,
    { testids: true, winners: decided ? decided.winners : false });
  showFigures(ballot, shown ? figures : null, tally);
  if (record) {
    $("result-title").hidden = view === "quorum";
    $("fingerprint").hidden = false;
    $("fingerprint").textContent = `${t("fingerprint")}: ${ballot.result.sha256.slice(0, 16)}…`;
  } else if (!shown && ballot.state !== "draft") {
    note(t(ballot.visibility === "never" ? "result_hidden" : "counts_after_close"));
  }
  return record?.voters ?? tally?.voters ?? 0;
}

/** A rating's average, a ranking's places, an open-text question's cloud or answers. */
function showFigures(ballot, figures, tally) {
  const summary = figures ? summaryOf(ballot, figures) : "";
  $("figure").hidden = !summary;
  $("figure").textContent = summary;
  if (isRanking(ballot) && figures) {
    $("places").hidden = false;
    $("places").replaceChildren(placesTable(ballot, figures.positions));
  }
  if (isWritten(ballot)) {
    // The record holds no answers: a closed question keeps the last approved ones.
    $("words").hidden = false;
    $("words").replaceChildren(isBoard(ballot) ? boardOf(tally) : textFigures(ballot, tally));
  }
}

const overflows = (el) => el.scrollHeight > el.clientHeight + 1
  || el.scrollWidth > el.clientWidth + 1;
let fitted = null;

/**
 * Scale the board's text (CSS `--fit`) to the largest size at which it fits,
 * again whenever `key` (what is shown) changes or it overflows; `force` after a resize.
 */
export function fitBoard(board, key, force = false) {
  if (!force && key === fitted && !overflows(board)) return;
  fitted = key;
  board.style.setProperty("--fit", "1");
  if (!overflows(board)) return;
  let [fits, tooBig] = [MIN_FIT, 1];
  for (let i = 0; i < FIT_STEPS; i += 1) {
    const mid = (fits + tooBig) / 2;
    board.style.setProperty("--fit", mid.toFixed(3));
    if (overflows(board)) tooBig = mid;
    else fits = mid;
  }
  board.style.setProperty("--fit", fits.toFixed(3));
}
