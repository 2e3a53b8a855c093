// The extension ships the repository's TextMate grammar; copy it in before building, so there is one source.
import { copyFileSync, mkdirSync } from "node:fs";

mkdirSync(new URL("../syntaxes/", import.meta.url), { recursive: true });
copyFileSync(new URL("../../../grammar/calmlog.tmLanguage.json", import.meta.url), new URL("../syntaxes/calmlog.tmLanguage.json", import.meta.url));
