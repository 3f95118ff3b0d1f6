// The pages' languages; i18n.js picks one and fills in `{name}` placeholders.
import { EN } from "./strings-en.js";
import { KO } from "./strings-ko.js";
import { MEETING_EN } from "./strings-meeting-en.js";
import { MEETING_KO } from "./strings-meeting-ko.js";

/** The shared table plus one page family's own; error messages merge one level down. */
function merged(base, extra) {
  return { ...base, ...extra, errors: { ...base.errors, ...extra.errors } };
}

export const STRINGS = { ko: merged(KO, MEETING_KO), en: merged(EN, MEETING_EN) };
