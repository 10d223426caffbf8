import type { FilterTree, SimpleFilter, SimpleOperator } from "../../schemas/plausible-query-schema";
import { FILTER_LIMITS } from "../../schemas/plausible-query-schema";
import { compilePathGlob } from "../site/path-glob";
import { refuse } from "./query-error";

/**
 * Plausible's filter trees, compiled into one predicate per dimension (on the value as Plausible
 * shows it). The top level and every `and` are a conjunction; an `or` or a `not` is compiled when
 * all of its filters are on one dimension (`["or", [["is", "visit:country", ["DE"]], ["contains",
 * "visit:country", ["F"]]]]`), since stepwise's counters hold each visitor-day's value of each
 * dimension and a predicate on one dimension selects whole values. An `or`/`not` across
 * dimensions, behavioural filters (`has_done`) and segments are refused with the reason.
 */
export interface DimensionPredicate {
  dimension: string;
  test: (shown: string) => boolean;
  /** When the predicate is exactly "one of these values" (`is`, case-sensitive), those values. */
  exactValues: readonly string[] | null;
  /** Whether a `not`, `is_not`, `contains_not` or `matches_not` is in it. */
  negated: boolean;
}

/** Dimensions Plausible lets one filter at the top level only (they select hits, not visitors). */
const TOP_LEVEL_ONLY = new Set(["event:goal", "event:class", "event:hostname"]);
const GOAL_OPERATORS = new Set<SimpleOperator>(["is", "contains"]);

const isSimple = (tree: FilterTree): tree is SimpleFilter => typeof tree[1] === "string";
const describe = (value: unknown) => JSON.stringify(value);

function dimensionsOf(tree: FilterTree, into: Set<string>, depth: number, leaves: { count: number }): Set<string> {
  if (depth > FILTER_LIMITS.depth) refuse(`Invalid filters: they nest deeper than ${FILTER_LIMITS.depth} levels.`);
  if (isSimple(tree)) {
    leaves.count++;
    if (leaves.count > FILTER_LIMITS.leaves) refuse(`Invalid filters: at most ${FILTER_LIMITS.leaves} simple filters in one query.`);
    into.add(tree[1]);
    return into;
  }
  const [operator, inner] = tree;
  if (operator === "has_done" || operator === "has_not_done") {
    refuse(
      `Behavioural filters (\`${operator}\`) are not supported: stepwise counts hits and visitor-days, and keeps no record of which visitor did what, so it cannot select the visits that had some other event.`,
    );
  }
  if (operator === "and" || operator === "or") for (const child of inner as FilterTree[]) dimensionsOf(child, into, depth + 1, leaves);
  else dimensionsOf(inner as FilterTree, into, depth + 1, leaves);
  return into;
}

/** Regular expressions as Plausible documents them (RE2 syntax): no look-around, no back-references. */
function compileRegex(pattern: string, caseSensitive: boolean): RegExp {
  if (pattern.length > 300)
    refuse(`Invalid filter: the regular expression ${describe(pattern.slice(0, 40))}... is longer than 300 characters.`);
  // RE2 (what Plausible runs) has neither; without them a pattern cannot backtrack exponentially
  // on nested quantifiers such as (a+)+, which are refused too since JavaScript's engine backtracks.
  if (/\(\?<?[=!]|\\[1-9]/.test(pattern) || /\([^()]*[+*][^()]*\)[+*{]/.test(pattern)) {
    refuse(
      `Invalid filter: the regular expression ${describe(pattern)} uses look-around, back-references or nested repetition, which RE2 syntax does not allow.`,
    );
  }
  try {
    return new RegExp(pattern, caseSensitive ? "u" : "iu");
  } catch {
    return refuse(`Invalid filter: ${describe(pattern)} is not a valid regular expression.`);
  }
}

function leafPredicate(filter: SimpleFilter): DimensionPredicate {
  const [operator, dimension, rawClauses] = filter;
  const caseSensitive = filter[3]?.case_sensitive ?? true;
  if (!rawClauses.every((clause) => typeof clause === "string")) {
    if (dimension === "visit:city")
      refuse("`visit:city` is not supported: stepwise keeps the city's name, not a GeoName id: use `visit:city_name`.");
    refuse(`Invalid filter '${describe(filter)}'.`);
  }
  const clauses = rawClauses as string[];
  if (dimension === "event:goal" && !GOAL_OPERATORS.has(operator)) {
    refuse(`Invalid filter '${describe(filter)}': \`event:goal\` takes the operators \`is\` and \`contains\` only.`);
  }
  if (dimension === "event:class" && operator !== "is") {
    refuse(`Invalid filter '${describe(filter)}': \`event:class\` takes the operator \`is\` only.`);
  }
  if (
    dimension === "visit:country" &&
    (operator === "is" || operator === "is_not") &&
    !clauses.every((code) => /^[A-Za-z]{2}$/.test(code))
  ) {
    refuse("Invalid visit:country filter, visit:country needs to be a valid 2-letter country code.");
  }
  const fold = (text: string) => (caseSensitive ? text : text.toLowerCase());
  const folded = clauses.map(fold);
  let test: (value: string) => boolean;
  switch (operator) {
    case "is":
    case "is_not":
      test = (value) => folded.includes(fold(value));
      break;
    case "contains":
    case "contains_not":
      test = (value) => folded.some((part) => fold(value).includes(part));
      break;
    case "matches":
    case "matches_not": {
      const patterns = clauses.map((pattern) => compileRegex(pattern, caseSensitive));
      test = (value) => patterns.some((pattern) => pattern.test(value));
      break;
    }
    default: {
      const globs = clauses.map((glob) => compilePathGlob(glob));
      test = (value) => globs.some((glob) => glob.test(value));
    }
  }
  const negated = operator.endsWith("_not");
  return {
    dimension,
    test: negated ? (value) => !test(value) : test,
    exactValues: operator === "is" && caseSensitive ? [...new Set(clauses)] : null,
    negated,
  };
}

function and(a: DimensionPredicate, b: DimensionPredicate): DimensionPredicate {
  return {
    dimension: a.dimension,
    test: (value) => a.test(value) && b.test(value),
    exactValues:
      a.exactValues !== null && b.exactValues !== null
        ? a.exactValues.filter((value) => b.exactValues?.includes(value))
        : (a.exactValues?.filter((value) => b.test(value)) ?? b.exactValues?.filter((value) => a.test(value)) ?? null),
    negated: a.negated || b.negated,
  };
}

/** A tree on one dimension as one predicate. */
function compileTree(tree: FilterTree, topLevel: boolean): DimensionPredicate {
  if (isSimple(tree)) {
    if (!topLevel && TOP_LEVEL_ONLY.has(tree[1]))
      refuse(`Invalid filters. Dimension \`${tree[1]}\` can only be filtered at the top level.`);
    return leafPredicate(tree);
  }
  const [operator, inner] = tree;
  if (operator === "not") {
    const child = compileTree(inner as FilterTree, false);
    return { dimension: child.dimension, test: (value) => !child.test(value), exactValues: null, negated: true };
  }
  const children = (inner as FilterTree[]).map((child) => compileTree(child, topLevel && operator === "and"));
  const [first, ...rest] = children;
  if (first === undefined) return refuse("Invalid filters: an empty `and`/`or`.");
  if (operator === "and") return rest.reduce(and, first);
  return {
    dimension: first.dimension,
    test: (value) => children.some((child) => child.test(value)),
    exactValues: children.every((child) => child.exactValues !== null)
      ? [...new Set(children.flatMap((child) => child.exactValues ?? []))]
      : null,
    negated: children.some((child) => child.negated),
  };
}

/**
 * The filters of a query as one predicate per dimension, in the order they first appear.
 * Refuses (PlausibleQueryError) what cannot be compiled that way.
 */
export function compileFilters(filters: readonly FilterTree[]): Map<string, DimensionPredicate> {
  const predicates = new Map<string, DimensionPredicate>();
  const leaves = { count: 0 };
  const addTopLevel = (tree: FilterTree) => {
    if (!isSimple(tree) && tree[0] === "and") {
      for (const child of tree[1] as FilterTree[]) addTopLevel(child);
      return;
    }
    const dimensions = dimensionsOf(tree, new Set(), 1, leaves);
    if (dimensions.has("segment")) {
      refuse("Saved segments are not supported: stepwise has no segments; send the segment's filters in `filters` instead.");
    }
    if (dimensions.size > 1) {
      refuse(
        `An \`${isSimple(tree) ? "and" : tree[0]}\` across different dimensions (${[...dimensions].map((d) => `\`${d}\``).join(", ")}) is not supported: stepwise counts each dimension's values on their own, so it can answer a filter that combines dimensions only with \`and\` at the top level.`,
      );
    }
    const predicate = compileTree(tree, true);
    const existing = predicates.get(predicate.dimension);
    predicates.set(predicate.dimension, existing === undefined ? predicate : and(existing, predicate));
  };
  for (const tree of filters) addTopLevel(tree);
  return predicates;
}
