// The dashboard's router: #/host, #/memory, #/dumps, #/dumps/{id}, #/generations; no token → sign-in.
import { session, signIn, signOut, restore, ApiError } from "./api.js";
import { signInPage, hostPage, memoryPage, dumpsPage, dumpPage, generationsPage, errorPage } from "./pages.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const signOutButton = document.getElementById("sign-out");

function chrome() {
  const signedIn = !!session.identity;
  nav.hidden = !signedIn;
  signOutButton.hidden = !signedIn;
  who.textContent = signedIn ? `${session.identity.name} (${session.identity.roles.join(", ")})` : "";
  who.dataset.roles = signedIn ? session.identity.roles.join(" ") : "";
}

async function route() {
  chrome();
  if (!session.identity) {
    signInPage(main, {
      onSignIn: async token => {
        await signIn(token);
        if (!location.hash || location.hash === "#/") location.hash = "#/host"; else await route();
      },
    });
    document.body.dataset.page = "sign-in";
    return;
  }
  const [, page = "host", id] = location.hash.split("/");
  for (const a of nav.querySelectorAll("a")) a.classList.toggle("current", a.dataset.page === page);
  document.body.dataset.page = "loading";
  try {
    if (page === "memory") await memoryPage(main);
    else if (page === "dumps" && id) await dumpPage(main, decodeURIComponent(id));
    else if (page === "dumps") await dumpsPage(main);
    else if (page === "generations") await generationsPage(main);
    else await hostPage(main);
    document.body.dataset.page = id ? `${page}-${id}` : page;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signOut();
      return route();
    }
    errorPage(main, err);
    document.body.dataset.page = "error";
  }
}

signOutButton.addEventListener("click", () => {
  signOut();
  location.hash = "";
  route();
});
window.addEventListener("hashchange", route);
restore().then(route);
