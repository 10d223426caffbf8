/**
 * Page path globs for goals such as `/thank-you` or `/products/*`.
 * `*` matches within one path segment, `/**` any number of segments (none included, so
 * `/services/**` matches `/services`), `?` one character; everything else is literal. Hand-written rather than a glob library: three rules, no Node `path` dependency in
 * the Worker bundle, and it runs on every hit.
 */
export function compilePathGlob(glob: string): RegExp {
  let pattern = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? "";
    if (char === "/" && glob.startsWith("**", i + 1) && (glob[i + 3] === "/" || glob[i + 3] === undefined)) {
      pattern += "(?:/.*)?";
      i += 2;
    } else if (char === "*" && glob[i + 1] === "*") {
      pattern += ".*";
      i++;
    } else if (char === "*") {
      pattern += "[^/]*";
    } else if (char === "?") {
      pattern += "[^/]";
    } else {
      pattern += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${pattern}$`);
}
