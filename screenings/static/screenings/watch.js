// The viewer page of a cloud showing: play the film's HLS playlist (the browser's own HLS where it
// has it, hls.js where it doesn't), and once the film has actually played for a few seconds tell
// the server, once per page: it counts one view per viewer whatever the reloads, tabs and replays.
(function () {
  "use strict";
  var video = document.getElementById("film");
  if (!video) return;
  var problem = document.getElementById("player-problem");
  var src = video.dataset.src;

  function fail(which) {
    problem.textContent = problem.dataset[which];
    problem.hidden = false;
  }

  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = src;
  } else if (window.Hls && window.Hls.isSupported()) {
    var hls = new window.Hls({ enableWorker: true });
    hls.on(window.Hls.Events.ERROR, function (_event, data) {
      if (data.fatal) fail("failed");
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  } else {
    fail("noHls");
    return;
  }

  // Seconds actually played: the clock advances only while the video plays, by the small steps
  // of playback (a seek is a jump, not watching).
  var needed = Number(video.dataset.seenAfter) || 5;
  var played = 0, last = null, sent = false;
  video.addEventListener("timeupdate", function () {
    var now = video.currentTime;
    if (!video.paused && !video.seeking && last !== null) {
      var step = now - last;
      if (step > 0 && step < 1.5) played += step;
    }
    last = now;
    if (!sent && played >= needed) {
      sent = true;
      fetch(video.dataset.seen, { method: "POST", credentials: "same-origin", keepalive: true })
        .catch(function () { sent = false; });
    }
  });
  video.addEventListener("seeking", function () { last = null; });
})();
