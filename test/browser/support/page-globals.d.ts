/** What the tracker adds to a page, for code the tests run inside the browser. */
interface Window {
  stepwise?: (name: string, options?: { props?: Record<string, string | number | boolean>; revenue?: { amount: number | string; currency: string } }) => void;
}
