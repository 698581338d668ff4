// 3-D Secure: let Stripe.js run the bank's challenge for this PaymentIntent, then
// post the form; the server asks Stripe how it ended, whatever happened here.
(function () {
  "use strict";
  const form = document.getElementById("authenticate-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  stripe.confirmCardPayment(form.dataset.clientSecret).then(function () {
    form.submit();
  });
})();
