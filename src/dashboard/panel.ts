import { ApiFailure } from "./api";
import { append, fill, h } from "./dom";
import { FILTER_LABELS, type FilterKey } from "./view-state";

/**
 * A panel of the dashboard: a titled section whose body is in one of four designed states
 * (loading, empty, error, content), with a CSV download of what it shows.
 */
export class Panel {
  readonly section: HTMLElement;
  readonly body: HTMLElement;
  private readonly status: HTMLElement;

  constructor(
    readonly id: string,
    readonly title: string,
    options: { wide?: boolean; note?: string; csv?: () => Promise<void> } = {},
  ) {
    const heading = h("h2", { id: `${id}-title` }, title);
    this.status = h("p", { class: "panel-status", role: "status" });
    const csv = options.csv;
    const download =
      csv &&
      h(
        "button",
        {
          type: "button",
          class: "csv",
          "aria-label": `Download ${title} as CSV`,
          onclick: () => {
            this.status.textContent = "";
            csv().catch((error: unknown) => {
              this.status.textContent = `The CSV could not be made: ${describeFailure(error)}`;
            });
          },
        },
        "CSV",
      );
    this.body = h("div", { class: "panel-body", "aria-live": "polite" });
    this.section = h(
      "section",
      { class: `panel${options.wide ? " wide" : ""}`, id, "aria-labelledby": heading.id },
      h("header", { class: "panel-head" }, heading, download),
      options.note ? h("p", { class: "note" }, options.note) : null,
      this.body,
      this.status,
    );
  }

  loading(): void {
    this.section.setAttribute("aria-busy", "true");
    this.section.dataset.state = "loading";
    fill(
      this.body,
      h("div", { class: "skeleton", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
      h("p", { class: "sr-only" }, "Loading…"),
    );
  }

  empty(message: string): void {
    this.settle("empty");
    fill(this.body, h("p", { class: "empty" }, message));
  }

  error(error: unknown): void {
    this.settle("error");
    fill(this.body, h("p", { class: "error", role: "alert" }, describeFailure(error)));
  }

  show(...content: (Node | null)[]): void {
    this.settle("ready");
    fill(this.body);
    append(this.body, ...content);
  }

  private settle(state: string): void {
    this.section.removeAttribute("aria-busy");
    this.section.dataset.state = state;
  }
}

/** What went wrong, in words, for a panel or the sign-in. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof ApiFailure)) return "Something went wrong while drawing this panel. Reload to try again.";
  if (error.code === "unsupported_filter" || (error.code === "invalid_query" && error.issues.length > 0)) {
    const issue = error.issues[0];
    const field = issue?.field ?? "";
    const label = Object.hasOwn(FILTER_LABELS, field) ? FILTER_LABELS[field as FilterKey].toLowerCase() : field;
    const why = issue?.message ?? error.message;
    return error.code === "unsupported_filter"
      ? `Not available with these filters: stepwise does not count this combination exactly (${label}: ${why}). Remove a filter to see it.`
      : `The collector refused this view (${label}: ${why}).`;
  }
  if (error.status === 401) return "The token was not accepted. Sign in again.";
  if (error.status === 503) return "The site's store is busy or restarting. Reload in a moment.";
  if (error.status === 0) return error.message;
  return `${error.message} (${error.status})`;
}

export interface Column<R> {
  label: string;
  cell: (row: R) => string;
  numeric?: boolean;
}

/**
 * A table whose first column names the row; where `filter` gives one, the name is a button that
 * filters the whole dashboard by it. `share` (0..1) draws a bar behind the row.
 */
export function dataTable<R>(
  caption: string,
  rows: readonly R[],
  name: (row: R) => string,
  columns: Column<R>[],
  options: {
    filter?: (row: R) => [FilterKey, string] | null;
    onFilter?: (key: FilterKey, value: string) => void;
    share?: (row: R) => number;
  } = {},
): HTMLTableElement {
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, caption),
    ...columns.map((column) => h("th", { scope: "col", class: column.numeric === false ? "" : "num" }, column.label)),
  );
  const body = h("tbody");
  for (const row of rows) {
    const label = name(row);
    const target = options.filter?.(row) ?? null;
    const onFilter = options.onFilter;
    const nameCell = h("th", { scope: "row", class: "name" });
    const bar = h("span", { class: "bar", "aria-hidden": "true" });
    bar.style.width = `${Math.round(Math.min(1, Math.max(0, options.share?.(row) ?? 0)) * 100)}%`;
    append(
      nameCell,
      bar,
      target && onFilter
        ? h(
            "button",
            {
              type: "button",
              class: "filter",
              title: `Filter the dashboard by ${FILTER_LABELS[target[0]].toLowerCase()} ${label}`,
              onclick: () => onFilter(target[0], target[1]),
            },
            label,
          )
        : h("span", { class: "label" }, label),
    );
    body.append(
      h("tr", {}, nameCell, ...columns.map((column) => h("td", { class: column.numeric === false ? "" : "num" }, column.cell(row)))),
    );
  }
  return h("table", {}, h("thead", {}, head), body);
}

/** A table inside a box that scrolls sideways (focusable, so the keyboard can scroll it), for phones. */
export const scroller = (label: string, ...children: Node[]): HTMLElement =>
  h("div", { class: "scroller", tabindex: 0, role: "group", "aria-label": label }, ...children);
