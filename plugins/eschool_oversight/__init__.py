"""The class teacher's overview of their class and the deputy director's control of journal filling."""
