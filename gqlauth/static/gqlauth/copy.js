// Copy buttons: <button data-copy="element-id"> copies that element's text to the clipboard.
// The button says "Copied" for two seconds. Loaded as a file (no inline script) so the Content-Security-Policy can forbid inline code.
"use strict";
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const label = button.innerHTML;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = "Copied";
  } catch (error) {
    // No clipboard access (plain http on another host, or denied): select the text instead.
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = "Press Ctrl+C";
  }
  setTimeout(() => { button.innerHTML = label; }, 2000);
});
