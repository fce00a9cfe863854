// Boots GraphiQL with the explorer plugin from the bundles this server serves (see ide.py).
// The bearer token field adds "Authorization: Bearer <token>" to each request, unless the
// Headers tab already sets an Authorization header; an empty "Bearer " template is dropped so an
// unfinished header never turns an anonymous request into an invalid-token 401.
"use strict";
(function () {
  const root = document.getElementById("graphiql");
  const tokenInput = document.getElementById("bearer-token");
  const endpoint = root.dataset.endpoint;

  const baseFetcher = GraphiQL.createFetcher({ url: endpoint });

  function withAuthorization(headers) {
    const result = {};
    let hasAuthorization = false;
    for (const [name, value] of Object.entries(headers || {})) {
      if (name.toLowerCase() === "authorization") {
        if (/^bearer\s*$/i.test(String(value).trim())) continue;
        hasAuthorization = true;
      }
      result[name] = value;
    }
    const token = tokenInput.value.trim().replace(/^bearer\s+/i, "");
    if (token && !hasAuthorization) {
      result.Authorization = "Bearer " + token;
    }
    return result;
  }

  function fetcher(params, options) {
    return baseFetcher(params, { ...options, headers: withAuthorization(options && options.headers) });
  }

  const explorer = GraphiQLPluginExplorer.explorerPlugin();
  const app = React.createElement(GraphiQL, {
    fetcher,
    plugins: [explorer],
    defaultQuery: root.dataset.defaultQuery,
    shouldPersistHeaders: false,
  });
  ReactDOM.createRoot(root).render(app);

  // GraphiQL 4 sizes the plugin panel before a visiblePlugin prop applies and leaves it collapsed,
  // so open the explorer the way a person does: with its sidebar button, once it exists.
  function openExplorer(frames) {
    const button = root.querySelector('button[aria-label="Show GraphiQL Explorer"]');
    if (button) {
      button.click();
    } else if (frames > 0) {
      requestAnimationFrame(() => openExplorer(frames - 1));
    }
  }
  openExplorer(600);
})();
