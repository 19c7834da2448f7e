// The "Drucken" button of printable pages (the method sheet, geodata/reports/methodsheet.py):
// a script file, not an inline onclick, so the Content-Security-Policy needs no 'unsafe-inline'.
document.addEventListener("click", function (event) {
  if (event.target && event.target.id === "ba-drucken") {
    window.print();
  }
});
