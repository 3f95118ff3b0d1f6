// What the staff pages share (the meeting console, the consent-drive dashboard):
// creating a room from the page's create form, the confirm dialog, and running an
// action with its button busy and its refusal shown beside it.
import { errorText, t } from "./i18n.js";
import { api } from "./net.js";
import { h } from "./ui.js";

const $ = (id) => document.getElementById(id);

/** The dialog that asks before an action that cannot be undone, made once per page. */
function dialogElement() {
  const label = (value, cls, key, testid) => h("button", {
    value, class: `btn ${cls}`, "data-i18n": key, "data-testid": testid }, t(key));
  const dialog = h("dialog", { id: "confirm-dialog", "aria-labelledby": "confirm-text" },
    h("form", { method: "dialog" },
      h("p", { id: "confirm-text", class: "dialog-text" }),
      h("div", { class: "dialog-actions" },
        label("cancel", "secondary", "cancel", null), label("ok", "danger", "confirm", "confirm"))));
  document.body.append(dialog);
  return dialog;
}

/** The page's #confirm-dialog with `text`; resolves true on OK. */
export function confirmDialog(text) {
  const dialog = $("confirm-dialog") ?? dialogElement();
  $("confirm-text").textContent = text;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener(
    "close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}

/**
 * Run one staff action: its button disabled meanwhile, a refusal said in `errorEl`
 * (or handed to `elsewhere(text)` when there is none); resolves the work's value or null.
 */
export async function busy(button, errorEl, work, elsewhere = null) {
  if (button) button.disabled = true;
  if (errorEl) errorEl.textContent = "";
  try {
    return await work();
  } catch (error) {
    const text = errorText(error, { detail: true });
    if (errorEl) errorEl.textContent = text;
    else elsewhere?.(text);
    return null;
  } finally {
    if (button) button.disabled = false;
  }
}

/**
 * The #create-form's submission: a room of `kind`, asking for the operator token when
 * the server wants one; the page moves to #room=ID&key=KEY. Resolves the key, or "".
 */
export async function createRoom(event, kind) {
  event.preventDefault();
  const button = event.submitter || $("create-form").querySelector("[type=submit]");
  const made = await busy(button, $("create-error"), async () => {
    const body = { title: $("new-title").value.trim(), kind, lang: "ko" };
    if (!$("operator-field").hidden) body.operator_token = $("operator-token").value;
    try {
      return await api("POST", "/api/rooms", body);
    } catch (error) {
      if (error.code === "operator_required") $("operator-field").hidden = false;
      throw error;
    }
  });
  if (!made) return "";
  location.hash = `room=${encodeURIComponent(made.room.id)}&key=${encodeURIComponent(made.host_key)}`;
  return made.host_key;
}
