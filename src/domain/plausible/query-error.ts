/**
 * A query stepwise refuses, with a sentence saying why, in the words and shape of Plausible's
 * Stats API errors (`{"error": "..."}`, status 400). Thrown by the parser and the engine; the
 * route turns it into the answer.
 */
export class PlausibleQueryError extends Error {
  readonly status = 400;
}

export const refuse = (message: string): never => {
  throw new PlausibleQueryError(message);
};
