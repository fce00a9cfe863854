// Boots GraphiQL with the explorer plugin from the bundles this server serves (see ide.py).
// The bearer token field adds "Authorization: Bearer <token>" to each request, unless the
// Headers tab already sets an Authorization header; an empty "Bearer " template is dropped so an
// unfinished header never turns an anonymous request into an invalid-token 401.
// With a #sign-in block on the page, Sign in and Sign out get a token by the authorization code
// flow and revoke it (setUpSignIn below).
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

  const signInBlock = document.getElementById("sign-in");
  if (signInBlock) {
    setUpSignIn(signInBlock, tokenInput, document.getElementById("sign-in-message"));
  }

  // --- Sign in: the authorization code flow with PKCE, as the public client in data-client-id --
  //
  // A full-page redirect to the authorization endpoint and back to this very page (the redirect
  // URI is this page's address without its query, so the answer lands on the same origin). The
  // PKCE verifier and the state must survive that round trip, so they, and nothing else, wait in
  // sessionStorage (this tab, this origin) and are removed as soon as the answer arrives. The
  // access token lives only in this page's memory and the token field: never in localStorage,
  // sessionStorage or a cookie, so a reload forgets it.
  function setUpSignIn(block, tokenField, message) {
    const PENDING_KEY = "gqlauth.graphiql.sign-in";
    // What an authorization response adds to our address (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207).
    const RESPONSE_PARAMS = ["code", "state", "iss", "error", "error_description", "error_uri"];
    const config = block.dataset;
    const signInButton = document.getElementById("sign-in-button");
    const signOutButton = document.getElementById("sign-out-button");
    const scopeBoxes = Array.from(block.querySelectorAll('input[name="scope"]'));
    let accessToken = null; // the token this page got; Sign out revokes it

    function redirectUri() {
      return window.location.origin + window.location.pathname;
    }

    function show(text, kind) {
      // textContent only: error_description comes from the URL and is never parsed as HTML.
      message.textContent = text;
      message.className = "ide-message ide-message-" + kind;
      message.setAttribute("role", kind === "error" ? "alert" : "status");
      message.hidden = false;
    }

    function clearMessage() {
      message.hidden = true;
      message.textContent = "";
    }

    function setSignedIn(signedIn) {
      signInButton.hidden = signedIn;
      signOutButton.hidden = !signedIn;
      // While signed in the boxes show the scopes the token has; they choose the next sign-in.
      for (const box of scopeBoxes) box.disabled = signedIn;
    }

    function base64url(bytes) {
      let binary = "";
      for (const byte of bytes) binary += String.fromCharCode(byte);
      return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }

    function randomString() {
      // 256 bits: a 43-character verifier (RFC 7636 §4.1: 43 to 128) or an unguessable state.
      return base64url(crypto.getRandomValues(new Uint8Array(32)));
    }

    async function s256(verifier) {
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
      return base64url(new Uint8Array(digest));
    }

    async function signIn() {
      const scopes = scopeBoxes.filter((box) => box.checked).map((box) => box.value);
      if (scopes.length === 0) {
        show("Tick at least one scope to sign in.", "error");
        return;
      }
      // crypto.subtle exists only in secure contexts: HTTPS, or http on localhost / 127.0.0.1.
      if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
        show("Signing in needs a secure context: open GraphiQL over HTTPS, or on localhost.",
             "error");
        return;
      }
      signInButton.disabled = true;
      const verifier = randomString();
      const state = randomString();
      const challenge = await s256(verifier);
      sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, verifier }));
      const url = new URL(config.authorizeUrl, window.location.href);
      url.search = new URLSearchParams({
        response_type: "code",
        client_id: config.clientId,
        redirect_uri: redirectUri(),
        scope: scopes.join(" "),
        state,
        code_challenge: challenge,
        code_challenge_method: "S256",
      }).toString();
      window.location.assign(url.href);
    }

    // Read and forget the pending sign-in at once, whatever the answer: a verifier and a state
    // serve one authorization response only.
    function takePending() {
      const stored = sessionStorage.getItem(PENDING_KEY);
      sessionStorage.removeItem(PENDING_KEY);
      try {
        const pending = JSON.parse(stored);
        return pending && typeof pending.state === "string" && typeof pending.verifier === "string"
          ? pending
          : null;
      } catch {
        return null;
      }
    }

    // The code, state and iss leave the address bar before anything else happens, so they are
    // neither bookmarked, nor kept in history, nor sent again by a reload.
    function removeResponseFromAddress(params) {
      const kept = new URLSearchParams(params);
      for (const name of RESPONSE_PARAMS) kept.delete(name);
      const query = kept.toString();
      window.history.replaceState(
        window.history.state,
        "",
        window.location.pathname + (query ? "?" + query : "") + window.location.hash
      );
    }

    async function handleResponse(params) {
      const pending = takePending();
      removeResponseFromAddress(params);
      // Only an answer to the request this tab sent counts (RFC 6749 §10.12): its state must be
      // the one we made. Anything else, a forged error included, is ignored unread.
      if (pending === null || params.get("state") !== pending.state) {
        show("Ignored a sign-in response that this page did not ask for (its state does not " +
             "match). Sign in again.", "error");
        return;
      }
      // RFC 9207 §2.4: the answer must come from the issuer we sent the user to (a mix-up
      // attack would bring another server's code or error here). This server always sends iss.
      if (params.get("iss") !== config.issuer) {
        show("Ignored a sign-in response from another issuer: expected " + config.issuer +
             ", got " + (params.get("iss") || "none") + ".", "error");
        return;
      }
      if (params.has("error")) {
        const description = params.get("error_description");
        show("Sign-in failed: " + params.get("error") +
             (description ? " (" + description + ")" : "") + ".", "error");
        return;
      }
      await exchange(params.get("code"), pending.verifier);
    }

    async function exchange(code, verifier) {
      show("Signing in…", "info");
      let response;
      try {
        // credentials "omit": the token endpoint authenticates the client by client_id and the
        // code by its verifier, never by this site's session cookie.
        response = await fetch(config.tokenUrl, {
          method: "POST",
          credentials: "omit",
          cache: "no-store",
          headers: { Accept: "application/json" },
          body: new URLSearchParams({
            grant_type: "authorization_code",
            code,
            redirect_uri: redirectUri(),
            client_id: config.clientId,
            code_verifier: verifier,
          }),
        });
      } catch (error) {
        show("Sign-in failed: the token endpoint could not be reached (" + error.message + ").",
             "error");
        return;
      }
      const body = await response.json().catch(() => ({}));
      if (!response.ok || typeof body.access_token !== "string") {
        // RFC 6749 §5.2: error and error_description, e.g. invalid_grant for a used code.
        show("Sign-in failed: the token endpoint answered " + response.status +
             (body.error ? " " + body.error : "") +
             (body.error_description ? " (" + body.error_description + ")" : "") + ".", "error");
        return;
      }
      // The refresh token is not kept: the page needs no second token, and revoking the access
      // token on Sign out ends its refresh token too (RFC 7009 §2.1; this server does).
      accessToken = body.access_token;
      tokenField.value = accessToken;
      const granted = typeof body.scope === "string" ? body.scope.split(" ") : [];
      for (const box of scopeBoxes) box.checked = granted.includes(box.value);
      setSignedIn(true);
      show("Signed in. The token has the scopes: " + (granted.join(", ") || "none") +
           "; it is kept only in this page until you sign out or reload.", "success");
    }

    async function signOut() {
      signOutButton.disabled = true;
      try {
        // RFC 7009 §2.1: a public client identifies itself with client_id alone.
        const response = await fetch(config.revokeUrl, {
          method: "POST",
          credentials: "omit",
          cache: "no-store",
          body: new URLSearchParams({
            token: accessToken,
            token_type_hint: "access_token",
            client_id: config.clientId,
          }),
        });
        if (!response.ok) throw new Error("the revocation endpoint answered " + response.status);
      } catch (error) {
        // Still signed in: the token works until it expires, so offer Sign out again.
        show("Sign-out failed: " + error.message + "; the token is still valid.", "error");
        return;
      } finally {
        signOutButton.disabled = false;
      }
      accessToken = null;
      tokenField.value = "";
      setSignedIn(false);
      show("Signed out: the token was revoked.", "info");
    }

    signInButton.addEventListener("click", () => {
      clearMessage();
      signIn().catch((error) => {
        signInButton.disabled = false;
        show("Sign-in failed: " + error.message, "error");
      });
    });
    signOutButton.addEventListener("click", () => {
      clearMessage();
      signOut();
    });

    // Back from the authorization endpoint? Its answer carries a code or an error (and state,
    // which handleResponse checks). Any other visit means a started sign-in was abandoned (the
    // user went back, or reloaded), so its verifier and state are dropped.
    const params = new URLSearchParams(window.location.search);
    if (params.has("code") || params.has("error")) {
      handleResponse(params).catch((error) => show("Sign-in failed: " + error.message, "error"));
    } else {
      sessionStorage.removeItem(PENDING_KEY);
    }
    // Back to a page kept in the back/forward cache runs no script again: undo "Signing in".
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) {
        sessionStorage.removeItem(PENDING_KEY);
        signInButton.disabled = false;
      }
    });
  }
})();
