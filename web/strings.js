// The pages' languages; i18n.js picks one and fills in `{name}` placeholders.
import { EN } from "./strings-en.js";
import { KO } from "./strings-ko.js";

export const STRINGS = { ko: KO, en: EN };
