/**
 * The JSON API, as the dashboard reads it (docs/api.md): the same endpoints as any client, with
 * the token the tab holds as a bearer token, or none for a public site.
 */

/** An API error: its status, code and message, and the fields it names (`issues`). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

const TOKEN_KEY = "stepwise.token";
/** "1" when the tab's token is the admin token, "0" when not, unset until known. */
export const ADMIN_KEY = "stepwise.admin";

/** The token of this tab (sessionStorage: gone when the tab closes; never in localStorage or a cookie). */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string): void => {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.removeItem(ADMIN_KEY);
  },
  signOut: (): void => {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ADMIN_KEY);
  },
};

/**
 * A share link's token (`#token=…`): kept for this tab, then removed from the address bar, so it
 * is not in the history, a bookmark or a screenshot. A fragment never reaches a server or a log.
 */
export function takeTokenFromFragment(): void {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("token");
  if (token === null) return;
  if (token !== "") session.signIn(token);
  history.replaceState(history.state, "", location.pathname + location.search);
}

export type Query = Record<string, string | number | undefined>;

function url(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

async function request(path: string, query: Query, signal?: AbortSignal, token = session.token()): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url(path, query), { headers, signal: signal ?? null, cache: "no-store" });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiFailure(0, "network", "The collector could not be reached. Check the connection and reload.");
  }
  if (response.ok) return response;
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not the API's envelope: keep the status.
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; issues?: unknown } } | null)?.error;
  throw new ApiFailure(
    response.status,
    typeof error?.code === "string" ? error.code : "http_error",
    typeof error?.message === "string" ? error.message : `The collector answered ${response.status}.`,
    Array.isArray(error?.issues) ? (error.issues as { field: string; message: string }[]) : [],
  );
}

/** GET a JSON answer; throws ApiFailure for an error answer. */
export async function getJson<T>(path: string, query: Query = {}, signal?: AbortSignal, token?: string | null): Promise<T> {
  return (await (await request(path, query, signal, token === undefined ? session.token() : token)).json()) as T;
}

function save(blob: Blob, name: string): void {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** Saves rows of plain figures as a CSV file (header `reason,hits`), for a panel the API has no table of. */
export function saveCsv(name: string, rows: readonly [string, number][]): void {
  const lines = ["reason,hits", ...rows.map(([reason, count]) => `${reason.replace(/[^a-z_]/g, "")},${count}`)];
  save(new Blob([`${lines.join("\r\n")}\r\n`], { type: "text/csv" }), name);
}

/** Downloads an answer as CSV (`format=csv`), with the file name the API gives. */
export async function downloadCsv(path: string, query: Query): Promise<void> {
  const response = await request(path, { ...query, format: "csv" });
  const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? "stepwise.csv";
  save(await response.blob(), name);
}
