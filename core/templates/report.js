(function () {
  "use strict";
  function activate(element) {
    document.querySelectorAll(".active").forEach(function (el) { el.classList.remove("active"); });
    if (!element) { return; }
    element.classList.add("active");
    element.scrollIntoView({ block: "center", inline: "nearest" });
  }
  document.querySelectorAll("li.finding").forEach(function (item) {
    item.addEventListener("click", function () {
      var claim = document.getElementById(item.dataset.target);
      var other = document.getElementById(item.dataset.other);
      activate(claim);
      if (other) { other.classList.add("active"); other.scrollIntoView({ block: "nearest", inline: "nearest" }); }
      item.classList.add("active");
    });
  });
  document.querySelectorAll("mark[data-target]").forEach(function (mark) {
    mark.addEventListener("click", function () { activate(document.getElementById(mark.dataset.target)); });
  });
  document.querySelectorAll(".filters").forEach(function (filters) {
    var story = document.getElementById("story-" + filters.dataset.story);
    filters.addEventListener("change", function () {
      var shown = {};
      filters.querySelectorAll("input.kind-filter").forEach(function (box) { shown[box.value] = box.checked; });
      story.querySelectorAll("li.finding").forEach(function (item) {
        item.classList.toggle("hidden", !shown[item.dataset.kind]);
      });
      story.querySelectorAll("mark[data-kinds]").forEach(function (mark) {
        var visible = mark.dataset.kinds.split(" ").some(function (kind) { return shown[kind]; });
        mark.classList.toggle("plain-mark", !visible);
      });
    });
  });
}());
