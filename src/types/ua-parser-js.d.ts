/** The part of ua-parser-js 1.x (MIT) that stepwise uses; the package ships no types of its own. */
declare module "ua-parser-js/dist/ua-parser.min.js" {
  interface UAParserInstance {
    getBrowser(): { name?: string; version?: string; major?: string };
    getOS(): { name?: string; version?: string };
  }
  const UAParser: new (userAgent: string) => UAParserInstance;
  export default UAParser;
}
