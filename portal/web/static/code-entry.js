// Code entry: show the code in groups of four while typing (the server accepts any form).
"use strict";
(function () {
  const input = document.getElementById("code");
  if (!input) return;
  input.addEventListener("input", function () {
    const raw = input.value.toUpperCase().replace(/[^0-9A-Z]/g, "").slice(0, 12);
    const grouped = raw.match(/.{1,4}/g);
    const text = grouped ? grouped.join("-") : "";
    if (text !== input.value) input.value = text;
  });
  const birth = document.getElementById("birth_date");
  if (birth) birth.addEventListener("input", function () {
    // 12041965 -> 12.04.1965 once eight digits are typed
    const digits = birth.value.replace(/\D/g, "");
    if (digits.length === 8 && !/[.\-\/]/.test(birth.value)) {
      birth.value = digits.slice(0, 2) + "." + digits.slice(2, 4) + "." + digits.slice(4);
    }
  });
  if (!input.value) input.focus(); else if (birth) birth.focus();
})();
