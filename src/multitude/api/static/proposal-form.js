// The new-proposal form, shorter on a phone: only the parts the chosen method uses (options,
// a budget, actions) and, in each action, only the fields its kind needs; an empty action is
// offered once the one before it has a kind. Hidden fields are disabled, so they are not sent.
// Without this script every part shows, and the node leaves out what the method does not use.
(function () {
  var form = document.getElementById("new-proposal");
  if (!form) { return; }
  var method = form.querySelector("select[name=method]");

  function listed(element, name, value) {
    return element.getAttribute(name).split(" ").indexOf(value) >= 0;
  }

  function show(part, shown) {
    part.hidden = !shown;
    part.querySelectorAll("input, select, textarea").forEach(function (control) { control.disabled = !shown; });
  }

  function update() {
    form.querySelectorAll("[data-methods]").forEach(function (part) {
      var fits = listed(part, "data-methods", method.value);
      if (fits && part.hidden && part.tagName === "DETAILS" && !part.hasAttribute("data-keep-folded")) {
        part.open = true;  // just chosen: what the method needs is asked for at once
      }
      show(part, fits);
    });
    var before = "first";
    form.querySelectorAll("fieldset[data-action]").forEach(function (slot) {
      var kind = slot.querySelector("select[name$='-kind']").value;
      var offered = !slot.closest("[data-methods]").hidden && (kind !== "" || before !== "");
      show(slot, offered);
      if (offered) {
        slot.querySelectorAll("[data-kinds]").forEach(function (field) {
          show(field, listed(field, "data-kinds", kind));
        });
      }
      before = kind;
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target === method || /-kind$/.test(event.target.name || "")) { update(); }
  });
  update();
})();
