// The step between choosing and sending, for ballots with `confirm` (agenda items
// by default): the choice in large type, then "Cast vote" or "Change". Nothing is
// sent before "Cast vote". Shared by the event phone page and the members' page.
import { t } from "./i18n.js";
import { chosenLabels } from "./figures.js";
import { h } from "./ui.js";

/**
 * The confirm-step part of a page's voting actions. state.confirming maps a ballot
 * to the choices waiting for "Cast vote"; hooks: {render(id), focus(id, selector)};
 * send(id, choices) casts for real.
 */
export function castChecking(state, hooks, send) {
  return {
    /** Chosen: ask first when the ballot wants it, else send at once. */
    review(ballot, choices) {
      if (!ballot.confirm) return send(ballot.id, choices);
      state.confirming.set(ballot.id, choices);
      state.errors.delete(ballot.id);
      hooks.render(ballot.id);
      hooks.focus(ballot.id, "[data-testid=cast-check]");
      return undefined;
    },
    confirm(id) {
      const choices = state.confirming.get(id);
      state.confirming.delete(id);
      return choices ? send(id, choices) : undefined;
    },
    /** Back to the choices, the one picked first under the finger. */
    back(id) {
      const choices = state.confirming.get(id) ?? [];
      state.confirming.delete(id);
      hooks.render(id);
      hooks.focus(id, choices.length ? `[data-key="opt-${choices[0]}"]` : ".choice");
    },
  };
}

/** The confirm view of a ballot (or agenda item) for the `choices` waiting. */
export function castCheck(ballot, choices, actions) {
  const { id } = ballot;
  const titleId = `check-title-${id}`;
  const listId = `check-list-${id}`;
  return h("section", {
    class: "cast-check", role: "dialog", "aria-modal": "false", tabindex: "-1",
    "aria-labelledby": titleId, "aria-describedby": listId,
    "data-key": "cast-check", "data-testid": "cast-check",
    onkeydown: (event) => {
      if (event.key === "Escape") actions.back(id);
    },
  },
  h("h3", { id: titleId, class: "cast-check-title" }, t("cast_check_title")),
  h("p", { class: "cast-check-label" }, t("your_choice")),
  h("ul", { id: listId, class: "cast-check-list", "data-testid": "cast-check-choice" },
    chosenLabels(ballot, choices, false).map((label) => h("li", {}, label))),
  h("p", { class: "hint" }, t("cast_check_note")),
  h("button", {
    type: "button", class: "big primary", "data-key": "confirm-cast", "data-testid": "confirm-cast",
    onclick: () => actions.confirm(id),
  }, t("cast_vote")),
  h("button", {
    type: "button", class: "big secondary", "data-key": "change-choice",
    "data-testid": "change-choice", onclick: () => actions.back(id),
  }, t("change_choice")));
}
