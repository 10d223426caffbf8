/** What the trackers add to a page, for code the tests run inside the browser. */
interface Window {
  stepwise?: {
    track: (
      name: string,
      options?: { props?: Record<string, string | number | boolean>; revenue?: { amount: number | string; currency: string } },
    ) => unknown;
    /** Calls queued by the README snippet's stub until the tracker has loaded. */
    q?: IArguments[];
  };
  /** What Umami's tracker (test/browser/fixtures/umami-2.10.0) adds to a page. */
  umami?: {
    track: (name?: string | object, data?: Record<string, unknown>) => Promise<unknown>;
    identify: (data: Record<string, unknown>) => Promise<unknown>;
  };
}
