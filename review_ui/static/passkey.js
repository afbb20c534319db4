// The second factor of a login (/login/passkey): asks the server for a WebAuthn ceremony
// (sign in with the user's passkey, or enrol one if they have none), runs it with
// navigator.credentials and sends the answer back. User verification (the device's
// biometric unlock or PIN) is required by the server's options.
"use strict";

(() => {
  const root = document.getElementById("passkey");
  const status = document.getElementById("passkey-status");
  const error = document.getElementById("passkey-error");
  const start = document.getElementById("passkey-start");

  const toBytes = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const toText = (buffer) => {
    let binary = "";
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };

  const post = async (path, body) => {
    const answer = await fetch(path, {
      method: "POST", headers: {"Content-Type": "application/json"},
      credentials: "same-origin", body: JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`${answer.status}`);
    return answer.json();
  };

  const registration = async (options) => {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    for (const item of options.excludeCredentials || []) item.id = toBytes(item.id);
    const made = await navigator.credentials.create({publicKey: options});
    return {
      id: made.id, rawId: toText(made.rawId), type: made.type,
      authenticatorAttachment: made.authenticatorAttachment,
      clientExtensionResults: made.getClientExtensionResults(),
      response: {
        clientDataJSON: toText(made.response.clientDataJSON),
        attestationObject: toText(made.response.attestationObject),
        transports: made.response.getTransports ? made.response.getTransports() : [],
      },
    };
  };

  const assertion = async (options) => {
    options.challenge = toBytes(options.challenge);
    for (const item of options.allowCredentials || []) item.id = toBytes(item.id);
    const got = await navigator.credentials.get({publicKey: options});
    return {
      id: got.id, rawId: toText(got.rawId), type: got.type,
      authenticatorAttachment: got.authenticatorAttachment,
      clientExtensionResults: got.getClientExtensionResults(),
      response: {
        clientDataJSON: toText(got.response.clientDataJSON),
        authenticatorData: toText(got.response.authenticatorData),
        signature: toText(got.response.signature),
        userHandle: got.response.userHandle ? toText(got.response.userHandle) : null,
      },
    };
  };

  const run = async () => {
    error.hidden = true;
    start.disabled = true;
    try {
      const {ceremony, options} = await post("/api/session/passkey/options", {});
      status.textContent = ceremony === "register"
        ? "パスキーを登録します。端末の指示に従ってください。"
        : "パスキーで確認します。端末の指示に従ってください。";
      const answer = ceremony === "register"
        ? await registration(options) : await assertion(options);
      await post("/api/session/passkey/verify", answer);
      status.textContent = "確認できました。";
      window.location.assign(root.dataset.next || "/");
    } catch (failure) {
      error.textContent = `パスキーで確認できませんでした（${failure.message || failure}）。もう一度お試しください。`;
      error.hidden = false;
      status.textContent = "";
      start.disabled = false;
    }
  };

  start.addEventListener("click", run);
  run();
})();
