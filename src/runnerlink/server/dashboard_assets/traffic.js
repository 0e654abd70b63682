// A stand-in for the traffic view (the traffic helper's traffic.js replaces this file): the shell imports
// createView(app) from here.

export function createView() {
  const element = document.createElement("div");
  element.className = "traffic-view";
  const heading = document.createElement("h2");
  heading.textContent = "Traffic";
  const note = document.createElement("p");
  note.className = "muted";
  note.textContent = "The live traffic view is not in this build yet.";
  element.append(heading, note);
  return { element, show() {}, hide() {} };
}
