import { isLocalHost } from "./site";

/**
 * What is wrong with a site's `alertWebhook`, or null when it may be used: an absolute https URL,
 * or http on this machine (localhost, 127.0.0.1, [::1]) so that local development and the tests can
 * post to a local receiver. Plain http elsewhere would send the alerts readable on the way. A user
 * and password in the URL are refused: fetch will not send a request whose URL carries them
 * (put a token in the path or query instead).
 */
export function alertWebhookProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "alertWebhook must be an absolute URL such as https://hooks.example/stepwise";
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLocalHost(url.hostname))) {
    return "alertWebhook must be an https URL (http only on localhost or 127.0.0.1, for local development)";
  }
  if (url.username !== "" || url.password !== "") return "alertWebhook must not carry a user or password; put a token in the path or query";
  return null;
}
