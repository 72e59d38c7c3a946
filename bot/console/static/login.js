"use strict";
// The staff login form: a login CSRF token first, then the password check.

const form = document.getElementById("login");
const message = document.getElementById("login-error");
let loginToken = "";

async function newLoginToken() {
  const response = await fetch("/api/login", { credentials: "same-origin" });
  loginToken = (await response.json()).csrf;
}

// Only a path of this site: never an address elsewhere ("//host", "/\host").
function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return /^\/(?![/\\])/.test(next) && !next.startsWith("/login") ? next : "/queue";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  message.textContent = "";
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch("/api/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": loginToken },
      body: JSON.stringify({
        username: document.getElementById("username").value,
        password: document.getElementById("password").value,
      }),
    });
    if (response.ok) {
      location.assign(nextPage());
      return;
    }
    document.getElementById("password").value = "";
    const body = await response.json().catch(() => ({}));
    message.textContent = body.error || "Chưa đăng nhập được, vui lòng thử lại.";
    await newLoginToken();
  } catch (error) {
    message.textContent = "Chưa kết nối được với máy chủ, vui lòng thử lại.";
  } finally {
    button.disabled = false;
  }
});

newLoginToken().then(
  () => document.getElementById("username").focus(),
  () => { message.textContent = "Chưa kết nối được với máy chủ, vui lòng tải lại trang."; },
);
