// The pages' languages; i18n.js picks one and fills in `{name}` placeholders.
import { CONSENT_EN } from "./strings-consent-en.js";
import { CONSENT_KO } from "./strings-consent-ko.js";
import { EN } from "./strings-en.js";
import { KO } from "./strings-ko.js";
import { MEETING_EN } from "./strings-meeting-en.js";
import { MEETING_KO } from "./strings-meeting-ko.js";
import { STAFF_EN } from "./strings-staff-en.js";
import { STAFF_KO } from "./strings-staff-ko.js";
import { VERIFY_EN } from "./strings-verify-en.js";
import { VERIFY_KO } from "./strings-verify-ko.js";

/** The shared table plus one page family's own; error messages merge one level down. */
function merged(base, extra) {
  return { ...base, ...extra, errors: { ...base.errors, ...extra.errors },
    error_details: { ...base.error_details, ...extra.error_details } };
}

export const STRINGS = {
  ko: [MEETING_KO, STAFF_KO, CONSENT_KO, VERIFY_KO].reduce(merged, KO),
  en: [MEETING_EN, STAFF_EN, CONSENT_EN, VERIFY_EN].reduce(merged, EN),
};
