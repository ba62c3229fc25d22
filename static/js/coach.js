// Coach pages: on a narrow screen the week grid scrolls sideways; start with today's column in view.
(function () {
  "use strict";
  if (window.coachPages) { return; }
  window.coachPages = true;

  function showToday() {
    var scroller = document.querySelector(".week-scroll");
    var today = scroller && scroller.querySelector(".day-head.today");
    var labels = scroller && scroller.querySelector(".corner");
    if (today && labels && scroller.scrollWidth > scroller.clientWidth && scroller.scrollLeft === 0) {
      scroller.scrollLeft = today.offsetLeft - labels.offsetWidth;
    }
  }
  document.addEventListener("DOMContentLoaded", showToday);
  document.addEventListener("htmx:load", showToday);
})();
