// Passkeys (WebAuthn): the sign-in page's "Sign in with a passkey" and the profile's passkey
// section. Served from /assets, as the strict CSP requires (no inline script). Each ceremony
// asks the server for options, runs the browser's WebAuthn call, and sends the answer back;
// WebAuthn's bytes travel as base64url text both ways.
"use strict";

(function () {
  function toBytes(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "===".slice((b64.length + 3) % 4);
    const raw = atob(padded);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out.buffer;
  }

  function toText(buffer) {
    if (!buffer) {
      return null;
    }
    const bytes = new Uint8Array(buffer);
    let raw = "";
    for (let i = 0; i < bytes.length; i++) {
      raw += String.fromCharCode(bytes[i]);
    }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function supported() {
    return Boolean(window.PublicKeyCredential && navigator.credentials && window.fetch);
  }

  function creationOptions(publicKey) {
    const o = Object.assign({}, publicKey);
    o.challenge = toBytes(publicKey.challenge);
    o.user = Object.assign({}, publicKey.user, { id: toBytes(publicKey.user.id) });
    o.excludeCredentials = (publicKey.excludeCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: toBytes(c.id) });
    });
    return o;
  }

  function requestOptions(publicKey) {
    const o = Object.assign({}, publicKey);
    o.challenge = toBytes(publicKey.challenge);
    o.allowCredentials = (publicKey.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: toBytes(c.id) });
    });
    return o;
  }

  function registration(cred) {
    return {
      id: cred.id,
      rawId: toText(cred.rawId),
      type: cred.type,
      response: {
        attestationObject: toText(cred.response.attestationObject),
        clientDataJSON: toText(cred.response.clientDataJSON),
      },
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    };
  }

  function assertion(cred) {
    return {
      id: cred.id,
      rawId: toText(cred.rawId),
      type: cred.type,
      response: {
        authenticatorData: toText(cred.response.authenticatorData),
        clientDataJSON: toText(cred.response.clientDataJSON),
        signature: toText(cred.response.signature),
        userHandle: toText(cred.response.userHandle),
      },
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    };
  }

  async function post(path, body, csrf, method) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (csrf) {
      headers["X-CSRF-Token"] = csrf;
    }
    const resp = await fetch(path, {
      method: method || "POST",
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await resp.json();
    } catch (e) {
      data = null;
    }
    return { status: resp.status, data: data };
  }

  function messageOf(answer, fallback) {
    const e = answer.data && answer.data.error;
    return (e && e.message) || fallback;
  }

  function say(element, text) {
    if (element) {
      element.textContent = text;
      element.hidden = !text;
    }
  }

  // The sign-in page: a passkey alone, no e-mail address typed.
  const signIn = document.getElementById("passkey-sign-in");
  if (signIn) {
    const problem = document.getElementById("passkey-problem");
    if (!supported()) {
      say(problem, "This browser cannot use passkeys. Sign in with your password instead.");
    } else {
      signIn.hidden = false;
      signIn.addEventListener("click", async function () {
        say(problem, "");
        signIn.disabled = true;
        try {
          const start = await post("/api/v1/auth/passkey/options", {});
          if (start.status !== 200) {
            say(problem, messageOf(start, "Passkeys are not available on this server."));
            return;
          }
          const cred = await navigator.credentials.get({ publicKey: requestOptions(start.data.publicKey) });
          const done = await post("/api/v1/auth/passkey", { ceremony: start.data.ceremony, credential: assertion(cred) });
          if (done.status === 200) {
            goOn();
            return;
          }
          say(problem, "That passkey was not accepted.");
        } catch (e) {
          say(problem, "No passkey was used. Try again, or sign in with your password.");
        } finally {
          signIn.disabled = false;
        }
      });
    }
  }

  // After a sign-in: to the page the person came for (a path on this site only), else the app.
  function goOn() {
    const next = new URLSearchParams(window.location.search).get("next");
    window.location.assign(next && next.startsWith("/") && !next.startsWith("//") ? next : "/app");
  }

  // The sign-in page asking for a second factor: a passkey instead of the TOTP code. The
  // password is sent again with the passkey's answer, as with a code.
  const second = document.getElementById("passkey-second-factor");
  if (second && supported()) {
    const problem = document.getElementById("passkey-problem");
    second.hidden = false;
    second.addEventListener("click", async function () {
      say(problem, "");
      const email = document.getElementById("email").value;
      const password = document.getElementById("password").value;
      if (!password) {
        say(problem, "Enter your password again, then use your passkey.");
        return;
      }
      second.disabled = true;
      try {
        const start = await post("/api/v1/auth/passkey/second-factor/options", { email: email, password: password });
        if (start.status !== 200) {
          say(problem, messageOf(start, "The e-mail address or password is not correct."));
          return;
        }
        const cred = await navigator.credentials.get({ publicKey: requestOptions(start.data.publicKey) });
        const done = await post("/api/v1/auth/login", {
          email: email,
          password: password,
          passkey: { ceremony: start.data.ceremony, credential: assertion(cred) },
        });
        if (done.status === 200) {
          goOn();
          return;
        }
        say(problem, "That passkey was not accepted.");
      } catch (e) {
        say(problem, "No passkey was used. Enter the code from your authenticator app instead.");
      } finally {
        second.disabled = false;
      }
    });
  }

  // The profile: register, revoke, and a step-up with a passkey or the password when needed.
  const section = document.getElementById("passkeys");
  if (!section) {
    return;
  }
  const csrf = section.getAttribute("data-csrf");
  const problem = document.getElementById("passkeys-problem");
  const confirm = document.getElementById("passkeys-confirm");
  const register = document.getElementById("passkey-register");
  if (!supported()) {
    say(problem, "This browser cannot create or use passkeys.");
    if (register) {
      register.disabled = true;
    }
    return;
  }

  // A fresh sign-in for this session: with a passkey when the account has one, else the
  // password (and code) typed into the confirmation fields.
  async function stepUp() {
    if (section.getAttribute("data-has-passkeys") === "true") {
      const start = await post("/api/v1/auth/reauthenticate/passkey/options", {}, csrf);
      if (start.status === 200) {
        const cred = await navigator.credentials.get({ publicKey: requestOptions(start.data.publicKey) });
        const done = await post("/api/v1/auth/reauthenticate/passkey", { ceremony: start.data.ceremony, credential: assertion(cred) }, csrf);
        if (done.status === 200) {
          return done.data.csrf_token;
        }
      }
    }
    const password = document.getElementById("passkeys-password");
    if (!confirm || !password || !password.value) {
      if (confirm) {
        confirm.hidden = false;
      }
      say(problem, "Confirm your password to continue, then try again.");
      return null;
    }
    const code = document.getElementById("passkeys-code");
    const body = { password: password.value };
    if (code && code.value.trim()) {
      body.totp = code.value.trim();
    }
    const done = await post("/api/v1/auth/reauthenticate", body, csrf);
    password.value = "";
    if (done.status === 200) {
      return done.data.csrf_token;
    }
    say(problem, messageOf(done, "The password or code is not correct."));
    return null;
  }

  // Runs `call(csrf)`; when the session is not recent enough, steps up once and retries.
  async function withRecentAuth(call) {
    let token = csrf;
    let answer = await call(token);
    if (answer.status === 403 && answer.data && answer.data.error && answer.data.error.code === "reauthentication_required") {
      token = await stepUp();
      if (!token) {
        return null;
      }
      answer = await call(token);
    }
    return answer;
  }

  if (register) {
    register.addEventListener("click", async function () {
      say(problem, "");
      const name = document.getElementById("passkey-name").value;
      register.disabled = true;
      try {
        let token = csrf;
        const start = await withRecentAuth(async function (t) {
          token = t;
          return post("/api/v1/me/passkeys/options", { name: name }, t);
        });
        if (!start) {
          return;
        }
        if (start.status !== 200) {
          say(problem, messageOf(start, "The passkey could not be registered."));
          return;
        }
        const cred = await navigator.credentials.create({ publicKey: creationOptions(start.data.publicKey) });
        const done = await post("/api/v1/me/passkeys", { ceremony: start.data.ceremony, credential: registration(cred) }, token);
        if (done.status === 201) {
          window.location.assign("/app/profile?done=passkey-added");
          return;
        }
        say(problem, messageOf(done, "The passkey could not be registered."));
      } catch (e) {
        say(problem, "No passkey was created.");
      } finally {
        register.disabled = false;
      }
    });
  }

  section.querySelectorAll("button[data-passkey]").forEach(function (button) {
    button.addEventListener("click", async function () {
      say(problem, "");
      button.disabled = true;
      try {
        const id = button.getAttribute("data-passkey");
        const done = await withRecentAuth(function (t) {
          return post("/api/v1/me/passkeys/" + encodeURIComponent(id), undefined, t, "DELETE");
        });
        if (done && done.status === 204) {
          window.location.assign("/app/profile?done=passkey-revoked");
          return;
        }
        if (done) {
          say(problem, messageOf(done, "The passkey could not be revoked."));
        }
      } catch (e) {
        say(problem, "The passkey could not be revoked.");
      } finally {
        button.disabled = false;
      }
    });
  });
})();
