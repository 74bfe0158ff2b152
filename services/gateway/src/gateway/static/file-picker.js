// A file field in Vietnamese (the file_picker macro): the line under the button names the files chosen.
(function () {
  "use strict";
  document.querySelectorAll("input.file-input[data-chosen]").forEach(function (input) {
    if (input.dataset.pickerReady) { return; }
    input.dataset.pickerReady = "1";
    var line = document.getElementById(input.dataset.chosen);
    input.addEventListener("change", function () {
      var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
      line.textContent = names.length ? "Đã chọn " + names.length + " tệp: " + names.join(", ") + "." : "Chưa chọn tệp nào.";
    });
  });
})();
