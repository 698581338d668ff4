// Card payment: Stripe.js confirms a SetupIntent with the card element, which turns
// the card into a PaymentMethod at Stripe; the form posts only its id, and the
// server charges it. The same code runs against localstripe's stand-in Stripe.js.
(function () {
  "use strict";
  const form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const button = document.getElementById("card-submit");

  form.addEventListener("submit", async function (event) {
    if (form.elements.payment_method.value) return; // card already set up: post it
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    const result = await stripe.confirmCardSetup(form.dataset.setupSecret, {
      payment_method: { card: card },
    });
    if (result.error) {
      errors.textContent = (result.error && result.error.message) || String(result.error);
      button.disabled = false;
      return;
    }
    const pm = result.setupIntent.payment_method;
    form.elements.payment_method.value = typeof pm === "string" ? pm : pm.id;
    form.submit();
  });
})();
