/**
 * Page path globs for goals such as `/thank-you` or `/products/*`.
 * `*` matches within one path segment, `**` across segments, `?` one character; everything else
 * is literal. Hand-written rather than a glob library: three rules, no Node `path` dependency in
 * the Worker bundle, and it runs on every hit.
 */
export function compilePathGlob(glob: string): RegExp {
  let pattern = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? "";
    if (char === "*" && glob[i + 1] === "*") {
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
