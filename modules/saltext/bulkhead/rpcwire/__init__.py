"""The RPC wire protocol both ends speak: the frame codec (``frames``) and the control messages
(``messages``). The host broker (``rpc``) and the guest programs (``guest``) import it; it imports
neither, so the guest image carries it without any host code.
"""
