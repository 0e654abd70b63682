// A list of fixed-height rows of which only those in view (and a few around) are in the DOM: the network view's VPC
// list stays fast with thousands of VPCs. Rows are made by renderRow(index) and reused while they stay in view.
// One row is a Tab stop (the last focused, else the first in view); arrow keys move between rows (focusIndex), so
// Tab leaves the list instead of walking through every row.

export class FixedRowList {
  constructor({ rowHeight = 56, overscan = 6, renderRow, className = "", label = "" }) {
    this.rowHeight = rowHeight;
    this.overscan = overscan;
    this.renderRow = renderRow;
    this.total = 0;
    this.rows = new Map(); // index → element
    this.element = document.createElement("div");
    this.element.className = `fixed-list ${className}`.trim();
    this.element.setAttribute("role", "list");
    if (label) this.element.setAttribute("aria-label", label);
    this.spacer = document.createElement("div");
    this.spacer.className = "fixed-list-spacer";
    this.element.append(this.spacer);
    this.pending = false;
    this.tabStop = null; // the index of the row that is the list's Tab stop
    this.element.addEventListener("scroll", () => this.schedule());
    this.element.addEventListener("focusin", (event) => {
      const row = event.target.closest("[data-index]");
      if (row) {
        this.tabStop = Number(row.dataset.index);
        this.updateTabStops();
      }
    });
    if (window.ResizeObserver) new ResizeObserver(() => this.schedule()).observe(this.element);
  }

  setTotal(total) {
    this.total = total;
    this.spacer.style.height = `${total * this.rowHeight}px`;
    this.refresh();
  }

  /** Render every row in view again (their data changed). */
  refresh() {
    const focused = this.focusedIndex();
    for (const row of this.rows.values()) row.remove();
    this.rows.clear();
    this.render();
    if (focused !== null) focusable(this.rows.get(focused))?.focus({ preventScroll: true });
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  visibleRange() {
    const height = this.element.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.element.scrollTop / this.rowHeight) - this.overscan);
    const last = Math.min(this.total - 1, Math.ceil((this.element.scrollTop + height) / this.rowHeight) + this.overscan);
    return [first, last];
  }

  render() {
    const [first, last] = this.visibleRange();
    for (const [index, row] of this.rows) {
      if (index < first || index > last) {
        if (row.contains(document.activeElement)) continue; // keep the focused row until focus moves on
        row.remove();
        this.rows.delete(index);
      }
    }
    for (let index = first; index <= last; index++) {
      if (this.rows.has(index)) continue;
      const row = this.renderRow(index);
      row.style.position = "absolute";
      row.style.top = `${index * this.rowHeight}px`;
      row.style.height = `${this.rowHeight}px`;
      row.dataset.index = String(index);
      this.rows.set(index, row);
      this.element.append(row);
    }
    this.updateTabStops();
  }

  updateTabStops() {
    let stop = this.rows.has(this.tabStop) ? this.tabStop : null;
    if (stop === null && this.rows.size) {
      const top = Math.floor(this.element.scrollTop / this.rowHeight);
      stop = Math.min(...[...this.rows.keys()].filter((i) => i >= top), this.total - 1);
    }
    for (const [index, row] of this.rows) {
      const target = focusable(row);
      if (target) target.tabIndex = index === stop ? 0 : -1;
    }
  }

  focusedIndex() {
    for (const [index, row] of this.rows) if (row.contains(document.activeElement)) return index;
    return null;
  }

  /** Scroll so that row index is in view. */
  scrollToIndex(index) {
    const top = index * this.rowHeight;
    const height = this.element.clientHeight;
    if (top < this.element.scrollTop) this.element.scrollTop = top;
    else if (top + this.rowHeight > this.element.scrollTop + height) this.element.scrollTop = top + this.rowHeight - height;
    this.render();
  }

  focusIndex(index) {
    if (index < 0 || index >= this.total) return;
    this.scrollToIndex(index);
    focusable(this.rows.get(index))?.focus();
  }
}

function focusable(row) {
  return row && (row.querySelector("button, a, [tabindex]") || row);
}
