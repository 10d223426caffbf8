/** What the tracker adds to a page, for code the tests run inside the browser. */
interface Window {
  stepwise?: {
    track: (
      name: string,
      options?: { props?: Record<string, string | number | boolean>; revenue?: { amount: number | string; currency: string } },
    ) => unknown;
    /** Calls queued by the README snippet's stub until the tracker has loaded. */
    q?: IArguments[];
  };
}
