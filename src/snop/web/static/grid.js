// The demand grid's keyboard: one tab stop, arrow keys move between cells, Enter/F2 (or a
// click) edits a cell of a layer the reader owns, Enter previews the split (the server
// answers with the preview), Esc puts the cell back. No build step, no library but htmx.
(function () {
  "use strict";

  function cells(grid) {
    return Array.from(grid.querySelectorAll("tbody tr")).map(function (tr) {
      return Array.from(tr.querySelectorAll("td[role=gridcell]"));
    });
  }

  function position(grid, cell) {
    var rows = cells(grid);
    for (var r = 0; r < rows.length; r++) {
      var c = rows[r].indexOf(cell);
      if (c >= 0) return { rows: rows, r: r, c: c };
    }
    return null;
  }

  function focusCell(cell) {
    var grid = cell.closest("table.grid");
    grid.querySelectorAll("td[tabindex='0']").forEach(function (td) { td.tabIndex = -1; });
    cell.tabIndex = 0;
    cell.focus();
  }

  function init() {
    var grid = document.getElementById("demand-grid");
    if (!grid || grid.querySelector("td[tabindex='0']")) return;
    var first = grid.querySelector("td.editable") || grid.querySelector("td[role=gridcell]");
    if (first) first.tabIndex = 0;
  }

  function edit(cell) {
    if (!cell.classList.contains("editable") || cell.querySelector("input")) return;
    var shown = cell.dataset.value;
    var input = document.createElement("input");
    input.type = "text";
    input.inputMode = "decimal";
    input.className = "cell-input";
    input.value = Math.round(Number(shown)).toString();
    input.setAttribute("aria-label", "new value for " + cell.closest("tr").dataset.key + " " +
      cell.closest("tr").dataset.layer + " " + cell.dataset.period);
    cell.dataset.html = cell.innerHTML;
    cell.textContent = "";
    cell.appendChild(input);
    input.focus();
    input.select();
  }

  function cancel(cell) {
    if (cell.dataset.html === undefined) return;
    cell.innerHTML = cell.dataset.html;
    delete cell.dataset.html;
    focusCell(cell);
  }

  function preview(cell, typed) {
    var form = document.getElementById("edit-form");
    var row = cell.closest("tr");
    form.elements.layer.value = row.dataset.layer;
    form.elements.key.value = row.dataset.key;
    form.elements.period.value = cell.dataset.period;
    form.elements.value.value = typed;
    form.elements.shown.value = cell.dataset.value;
    cell.classList.add("pending");
    htmx.trigger(form, "submit");
  }

  document.addEventListener("keydown", function (ev) {
    var target = ev.target;
    if (target.classList && target.classList.contains("cell-input")) {
      var cell = target.closest("td");
      if (ev.key === "Enter") { ev.preventDefault(); preview(cell, target.value); }
      else if (ev.key === "Escape") { ev.preventDefault(); cancel(cell); }
      return;
    }
    if (!(target.matches && target.matches("table.grid td[role=gridcell]"))) return;
    var grid = target.closest("table.grid");
    var at = position(grid, target);
    if (!at) return;
    var moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[ev.key]) {
      ev.preventDefault();
      var r = Math.max(0, Math.min(at.rows.length - 1, at.r + moves[ev.key][0]));
      var row = at.rows[r];
      var c = Math.max(0, Math.min(row.length - 1, at.c + moves[ev.key][1]));
      if (row[c]) focusCell(row[c]);
    } else if (ev.key === "Enter" || ev.key === "F2") {
      ev.preventDefault();
      edit(target);
    }
  });

  document.addEventListener("click", function (ev) {
    var cell = ev.target.closest && ev.target.closest("table.grid td.editable");
    if (cell && !ev.target.classList.contains("cell-input")) { focusCell(cell); edit(cell); }
  });

  // Cancel (or Esc outside a cell) closes the preview and puts the edited cell back
  function closePreview() {
    var p = document.getElementById("preview");
    if (p) p.innerHTML = "";
    document.querySelectorAll("table.grid td.pending").forEach(function (td) {
      td.classList.remove("pending");
      cancel(td);
    });
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !(ev.target.classList && ev.target.classList.contains("cell-input"))) {
      closePreview();
    }
  });
  document.addEventListener("click", function (ev) {
    if (ev.target.classList && ev.target.classList.contains("cancel-preview")) closePreview();
  });

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
