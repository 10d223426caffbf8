/**
 * The demo shop served at /demo/ in local development (DEMO_SHOP=true): a small single-page shop
 * with the tracker wired in, reporting to shop.example, so a newcomer can click through it and
 * watch GET /api/stats/shop.example change. The browser tests drive it too.
 *
 * The tracker tag: data-base="/demo" reports /demo/products/x as /products/x, matching the
 * example config's goals and checkout funnel; data-allow="localhost automation" lets it count on
 * localhost and under the browser tests' automation (a real site would not set these).
 */
const TRACKER_TAG = `<script async src="/t.js" data-domain="shop.example" data-base="/demo" data-allow="localhost automation"></script>`;
// Calls made before the tracker loads are queued, not lost (docs/tracker.md).
const QUEUE_STUB = `<script>window.stepwise=window.stepwise||{q:[],track(){this.q.push(arguments)}}</script>`;

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#222}
nav a{margin-right:1rem}main{min-height:60vh}.tall{height:2400px;background:linear-gradient(#fff,#eef)}
footer{border-top:1px solid #ccc;margin-top:2rem;padding-top:1rem}button{cursor:pointer}`;

const layout = (title: string, body: string, head = "") => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · stepwise demo shop</title><style>${STYLE}</style>${QUEUE_STUB}${head}${TRACKER_TAG}</head>
<body>${body}</body></html>`;

// The shop's views, rendered client-side; navigation uses history.pushState (a single-page app).
const VIEWS = {
  home: `<h1>Trail &amp; Rain</h1><p>Outdoor gear for wet weekends.</p>
<form id="search" data-goal="search"><input name="q" placeholder="Search products" aria-label="Search"> <button>Search</button></form>`,
  search: `<h1>Results</h1><ul><li><a data-nav href="/demo/products/trail-shoe">Trail shoe</a> 59.90 EUR</li>
<li><a data-nav href="/demo/products/rain-jacket">Rain jacket</a> 89.00 EUR</li></ul>`,
  product: `<h1 id="product-name"></h1><p>Grippy, light and waterproof.</p>
<button id="add-to-cart" data-goal="add_to_cart" data-goal-sku="">Add to cart</button> <a data-nav href="/demo/cart">Go to cart</a>
<div class="tall"></div>
<form id="question"><input name="question" aria-label="Question" placeholder="Ask about this product"> <button>Ask</button></form>
<p id="end">That is all about this product.</p>`,
  cart: `<h1>Your cart</h1><p>1 × Trail shoe, 59.90 EUR</p><a data-nav id="checkout" href="/demo/register">Checkout</a>`,
  register: `<h1>Create an account</h1><form id="register" data-goal="sign_up"><input name="email" type="email" aria-label="E-mail" value="demo@example.com"> <button>Register and pay 59.90 EUR</button></form>`,
  notFound: `<h1>Not found</h1><a data-nav href="/demo/">Home</a>`,
};

const APP = `<script>
const views = ${JSON.stringify(VIEWS)};
function render() {
  const path = location.pathname.replace(/^\\/demo/, "") || "/";
  const view = path === "/" ? "home" : path === "/search" ? "search" : path.startsWith("/products/") ? "product" : path === "/cart" ? "cart" : path === "/register" ? "register" : "notFound";
  document.getElementById("view").innerHTML = views[view];
  if (view === "product") {
    const slug = path.split("/")[2];
    document.getElementById("product-name").textContent = slug.replace("-", " ");
    document.getElementById("add-to-cart").setAttribute("data-goal-sku", slug);
  }
}
function go(href) { history.pushState({}, "", href); render(); scrollTo(0, 0); }
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-nav]");
  if (link) { event.preventDefault(); go(link.getAttribute("href")); }
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  event.preventDefault();
  if (form.id === "search") go("/demo/search?q=" + encodeURIComponent(form.q.value));
  else if (form.id === "register") location.assign("/demo/thank-you");
  else form.insertAdjacentHTML("afterend", "<p>Thanks!</p>");
});
addEventListener("popstate", render);
render();
</script>`;

const FOOTER = `<footer>
<form id="newsletter" data-goal="newsletter_signup"><input name="email" type="email" aria-label="Newsletter e-mail" placeholder="you@example.com"> <button>Subscribe</button></form>
<p><a id="catalog" href="/demo/files/catalog.pdf" download>Download our catalog (PDF)</a> · <a id="supplier" href="https://example.org/supplier" target="_blank" rel="noopener">Our supplier</a></p>
</footer>`;

export const DEMO_SHELL = layout(
  "Shop",
  `<nav><a data-nav href="/demo/">Home</a><a data-nav href="/demo/cart">Cart</a></nav><main id="view"></main>${FOOTER}${APP}`,
);

/** A page of its own (a full load, not a view): the purchase is recorded through the queue. */
export const DEMO_THANK_YOU = layout(
  "Thank you",
  `<h1>Thank you!</h1><p>Your order of 59.90 EUR is on its way.</p><a href="/demo/">Back to the shop</a>`,
  `<script>stepwise.track("purchase", { revenue: { amount: 59.9, currency: "EUR" }, props: { items: 1 } })</script>`,
);

/** A tiny valid PDF, so the download link downloads something real. */
export const DEMO_CATALOG_PDF = `%PDF-1.1
1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj
trailer<</Root 1 0 R>>
%%EOF
`;
