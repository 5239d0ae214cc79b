// The ceiling for the Twilio webhooks: the same stack (Node, express 5, a form body
// parser) answering every POST with a fixed TwiML document, no signature check, no
// stores. Whatever the real routes do costs the difference. Runs in its own process;
// says `ready` with its URL over IPC and exits when told to stop.
import express from 'express';

const TWIML =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="http://127.0.0.1/twilio/step" method="POST" ' +
  'numDigits="10" timeout="8" finishOnKey="#"><Say voice="Polly.Amy" language="en-GB">Welcome to the support line. ' +
  'Please enter your account number, then press the hash key.</Say></Gather><Redirect method="POST">' +
  'http://127.0.0.1/twilio/step</Redirect></Response>';

const app = express();
app.disable('x-powered-by');
app.use(express.urlencoded({ extended: false, limit: '16kb' }));
app.post('/twilio/{*rest}', (_req, res) => {
  res.status(200).type('text/xml').send(TWIML);
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
});

process.on('message', (msg: { type: string }) => {
  if (msg.type === 'stop') server.close(() => process.exit(0));
});
